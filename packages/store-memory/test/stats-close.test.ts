import { StoreClosedError } from "@lg/core";
import { serializeCheckpoint } from "@lg/core/store";
import { MemoryCheckpointStore } from "../src/index.js";
import { makeCheckpoint, newExecutionId } from "./fixtures.js";

describe("stats", () => {
  it("counts checkpoints, executions and the UTF-8 bytes of their JSON", async () => {
    const store = new MemoryCheckpointStore();
    expect(await store.stats()).toEqual({ checkpoints: 0, executions: 0, bytes: 0 });

    const a = newExecutionId("a");
    const b = newExecutionId("b");
    const cps = [
      makeCheckpoint(a, 1, { state: { text: "ascii" } }),
      makeCheckpoint(a, 2, { state: { text: "ünïcødé \u{1F600}" } }),
      makeCheckpoint(b, 1),
    ];
    for (const cp of cps) await store.save(cp);
    const size = (i: number) => Buffer.byteLength(serializeCheckpoint(cps[i]!), "utf8");

    expect(await store.stats()).toEqual({ checkpoints: 3, executions: 2, bytes: size(0) + size(1) + size(2) });

    await store.delete(cps[1]!.id);
    expect(await store.stats()).toEqual({ checkpoints: 2, executions: 2, bytes: size(0) + size(2) });

    // A checkpoint saved and deleted between two stats calls leaves no trace in the total.
    const transient = makeCheckpoint(b, 2);
    await store.save(transient);
    await store.delete(transient.id);
    await store.clear(a);
    expect(await store.stats()).toEqual({ checkpoints: 1, executions: 1, bytes: size(2) });
    await store.close();
  });
});

describe("ping and close", () => {
  it("pings while open", async () => {
    const store = new MemoryCheckpointStore();
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
  });

  it("rejects every method with StoreClosedError after close, and a second close is harmless", async () => {
    const store = new MemoryCheckpointStore();
    const executionId = newExecutionId();
    const cp = makeCheckpoint(executionId, 1);
    await store.save(cp);
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();

    const calls: Array<[string, () => Promise<unknown>]> = [
      ["save", () => store.save(makeCheckpoint(executionId, 2))],
      ["load", () => store.load(cp.id)],
      ["list", () => store.list(executionId)],
      ["latest", () => store.latest(executionId)],
      ["delete", () => store.delete(cp.id)],
      ["clear", () => store.clear(executionId)],
      ["prune", () => store.prune(executionId, { keepLast: 1 })],
      ["listExecutions", () => store.listExecutions()],
      ["ping", () => store.ping()],
      ["stats", () => store.stats()],
    ];
    for (const [name, call] of calls) {
      const error: unknown = await call().then(
        () => new Error(`${name} resolved after close`),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StoreClosedError);
      expect(error).toMatchObject({ code: "LG_STORE_CLOSED" });
    }
  });

  it("closing one store leaves another instance working", async () => {
    const first = new MemoryCheckpointStore();
    const second = new MemoryCheckpointStore();
    const cp = makeCheckpoint(newExecutionId(), 1);
    await second.save(cp);
    await first.close();
    expect(await second.load(cp.id)).toEqual(cp);
    expect(await first.load(cp.id).catch((e: unknown) => e)).toBeInstanceOf(StoreClosedError);
    await second.close();
  });
});
