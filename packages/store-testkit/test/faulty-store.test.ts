import {
  appendReducer,
  CheckpointSaveError,
  END,
  START,
  StateGraph,
  StoreUnavailableError,
  type Checkpoint,
} from "@lg/core";
import { createCheckpointChain, createTestCheckpoint, faultyStore, saveSpec, uniqueId } from "../src/index.js";
import { CollectingRunner } from "./fixtures/collecting-runner.js";
import { MapStore } from "./fixtures/map-store.js";

function chain(count: number): Checkpoint[] {
  return createCheckpointChain(uniqueId("faulty"), count);
}

async function outcomes(promises: Promise<unknown>[]): Promise<string[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((s) => (s.status === "fulfilled" ? "ok" : ((s.reason as { code?: string }).code ?? "error")));
}

describe("faultyStore", () => {
  it("fails the Nth call with StoreUnavailableError and records every call", async () => {
    const inner = new MapStore();
    const store = faultyStore(inner, { save: { failOn: 3 } });
    const cps = chain(4);
    const results: string[] = [];
    for (const cp of cps) results.push(...(await outcomes([store.save(cp)])));
    expect(results).toEqual(["ok", "ok", "LG_STORE_UNAVAILABLE", "ok"]);
    await expect(store.save(createTestCheckpoint({ executionId: "x" }))).resolves.toBeUndefined();
    expect(await inner.load((cps[2] as Checkpoint).id)).toBeUndefined();
    expect(store.calls.map((c) => `${c.method}#${c.n}:${c.outcome}`)).toEqual([
      "save#1:passed",
      "save#2:passed",
      "save#3:failed",
      "save#4:passed",
      "save#5:passed",
    ]);
  });

  it("the injected error is a real StoreUnavailableError naming the call", async () => {
    const store = faultyStore(new MapStore(), { load: { failOn: [1] } });
    const error = await store.load("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toBe("injected fault: load call #1 failed");
  });

  it("fails every call after N", async () => {
    const store = faultyStore(new MapStore(), { save: { failAfter: 2 } });
    expect(await outcomes(chain(4).map((cp) => store.save(cp)))).toEqual([
      "ok",
      "ok",
      "LG_STORE_UNAVAILABLE",
      "LG_STORE_UNAVAILABLE",
    ]);
  });

  it("fails the calls a predicate picks, with a configurable error", async () => {
    const doomed = uniqueId("doomed");
    const store = faultyStore(new MapStore(), {
      save: { failWhen: ({ args }) => (args[0] as Checkpoint).executionId === doomed },
      error: ({ method, n }) => new RangeError(`${method} ${n} refused`),
    });
    await expect(store.save(createTestCheckpoint({ executionId: doomed }))).rejects.toThrow(
      new RangeError("save 1 refused"),
    );
    await expect(store.save(createTestCheckpoint({ executionId: uniqueId("fine") }))).resolves.toBeUndefined();
  });

  it('phase "after" lets the write land and loses the acknowledgement', async () => {
    const inner = new MapStore();
    const store = faultyStore(inner, { save: { failOn: 1, phase: "after" } });
    const cp = createTestCheckpoint({ executionId: uniqueId("ack") });
    await expect(store.save(cp)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect((await inner.load(cp.id))?.id).toBe(cp.id);
  });

  it("drop resolves without reaching the store, and the spec notices the lost writes", async () => {
    const inner = new MapStore();
    const store = faultyStore(inner, { save: { drop: true } });
    const cp = createTestCheckpoint({ executionId: uniqueId("drop") });
    await expect(store.save(cp)).resolves.toBeUndefined();
    expect(await inner.load(cp.id)).toBeUndefined();
    expect(store.calls[0]?.outcome).toBe("dropped");

    const collecting = new CollectingRunner();
    saveSpec({
      name: "dropping",
      createStore: () => faultyStore(new MapStore(), { save: { drop: true } }),
      runner: collecting.runner,
    });
    const failed = (await collecting.run()).filter((r) => r.status === "failed").map((r) => r.title);
    expect(failed).toContain("save › round-trips every field through load");
  });

  it("dropped reads yield empty results", async () => {
    const inner = new MapStore();
    const cp = createTestCheckpoint({ executionId: uniqueId("dropread") });
    await inner.save(cp);
    const store = faultyStore(inner, { load: { drop: true }, list: { drop: true }, latest: { drop: true } });
    expect(await store.load(cp.id)).toBeUndefined();
    expect(await store.list(cp.executionId)).toEqual([]);
    expect(await store.latest(cp.executionId)).toBeUndefined();
  });

  it("delays calls by delayMs before they reach the store", async () => {
    const store = faultyStore(new MapStore(), { latest: { delayMs: 40 } });
    const order: string[] = [];
    const slow = store.latest("e").then(() => order.push("latest"));
    const fast = store.load("x").then(() => order.push("load"));
    await Promise.all([slow, fast]);
    expect(order).toEqual(["load", "latest"]);
  });

  it("hang: true leaves calls pending until releaseHangs rejects them", async () => {
    const store = faultyStore(new MapStore(), { save: { hang: true, failOn: 2 } });
    const cps = chain(2);
    await store.save(cps[0] as Checkpoint);
    let settled = false;
    const hung = store.save(cps[1] as Checkpoint).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(settled).toBe(false);
    expect(store.calls[1]?.outcome).toBe("hung");
    expect(store.releaseHangs()).toBe(1);
    await expect(hung).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it("hang with ms rejects like a client-side timeout", async () => {
    const store = faultyStore(new MapStore(), { ping: { hang: { ms: 20 } } });
    await expect(store.ping()).rejects.toThrow("injected fault: ping call #1 failed");
  });

  it("passes capabilities and prune through when the inner store has them", async () => {
    const inner = new MapStore();
    const store = faultyStore(inner, {});
    expect(store.capabilities).toEqual({ nativePrune: true, taskResults: true });
    expect(typeof store.prune).toBe("function");
    const cps = chain(3);
    for (const cp of cps) await store.save(cp);
    expect(await store.prune?.((cps[0] as Checkpoint).executionId, { keepLast: 1 })).toBe(2);
    expect(store.inner).toBe(inner);
  });

  it("lets a runtime test fail a run at its second save and resume it once the store is healthy", async () => {
    const inner = new MapStore();
    const executionId = uniqueId("runtime");
    const build = (store: typeof inner | ReturnType<typeof faultyStore>) =>
      new StateGraph<{ steps: string[] }>({ channels: { steps: { reducer: appendReducer, default: () => [] } } })
        .addNode("a", () => ({ steps: ["a"] }))
        .addNode("b", () => ({ steps: ["b"] }))
        .addEdge(START, "a")
        .addEdge("a", "b")
        .addEdge("b", END)
        .compile({ checkpoint: { store } });
    const failing = build(faultyStore(inner, { save: { failOn: 3 } }));
    await expect(failing.invoke({}, { executionId })).rejects.toBeInstanceOf(CheckpointSaveError);
    expect((await inner.latest(executionId))?.version).toBe(2);
    const done = await build(inner).invoke(null, { executionId });
    expect(done.state.steps).toEqual(["a", "b"]);
  });
});
