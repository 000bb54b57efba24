import { appendReducer, END, RetentionError, START, StateGraph, type StreamEvent } from "../src/index.js";
import { MapStore } from "./support/map-store.js";

type Chat = { msgs: string[] };
type Counter = { n: number };

function chat(store: MapStore, maxCheckpoints: number) {
  return new StateGraph<Chat>({ channels: { msgs: { reducer: appendReducer, default: () => [] } } })
    .addNode("reply", () => ({ msgs: ["ok"] }))
    .addEdge(START, "reply")
    .addEdge("reply", END)
    .compile({ checkpoint: { store, maxCheckpoints } });
}

function counter(store: MapStore, maxCheckpoints: number, limit: number) {
  return new StateGraph<Counter>({ channels: { n: { default: () => 0 } } })
    .addNode("count", (s) => ({ n: s.n + 1 }))
    .addEdge(START, "count")
    .addConditionalEdges("count", (s) => (s.n >= limit ? END : "count"))
    .compile({ checkpoint: { store, maxCheckpoints }, recursionLimit: 100 });
}

async function versions(store: MapStore, executionId: string): Promise<number[]> {
  return (await store.list(executionId)).map((cp) => cp.version);
}

describe("retention after the commit", () => {
  let warn: jest.SpiedFunction<typeof process.emitWarning>;
  const warnings = (): unknown[] => warn.mock.calls.map((call) => (call[1] as { code?: string } | undefined)?.code);
  beforeEach(() => {
    warn = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
  });
  afterEach(() => {
    warn.mockRestore();
  });

  it("a failed prune after a landed save does not fail the run: the input is applied once and the failure reported", async () => {
    const store = new MapStore();
    const app = chat(store, 1);
    await app.invoke({ msgs: ["hi"] }, { executionId: "c" });
    store.failPrune = true;
    const events: StreamEvent<Chat>[] = [];
    for await (const event of app.stream({ msgs: ["pay $10"] }, { executionId: "c" })) events.push(event);
    const done = events.find((e) => e.type === "done");
    expect(done?.type === "done" && done.result.status).toBe("done");
    expect(done?.type === "done" && done.result.state.msgs).toEqual(["hi", "ok", "pay $10", "ok"]);
    const retention = events.filter((e) => e.type === "retention");
    expect(retention.length).toBeGreaterThan(0);
    expect(retention[0]?.type === "retention" && retention[0].error).toBeInstanceOf(RetentionError);
    expect(done?.type === "done" && done.result.retention?.errors[0]?.code).toBe("LG_RETENTION_FAILED");
    expect(warnings()).toContain("LG_RETENTION_FAILED");
    // Nothing was pruned, nothing was lost; the next healthy save prunes again.
    expect((await store.latest("c"))?.state).toEqual({ msgs: ["hi", "ok", "pay $10", "ok"] });
    store.failPrune = false;
    const next = await app.invoke({ msgs: ["bye"] }, { executionId: "c" });
    expect(next.retention).toBeUndefined();
    expect(await versions(store, "c")).toEqual([next.version]);
  });

  it("a failed prune after updateState does not fail it: the update is applied once", async () => {
    const store = new MapStore();
    const app = chat(store, 1);
    await app.invoke({ msgs: ["hi"] }, { executionId: "u" });
    store.failPrune = true;
    const snapshot = await app.updateState("u", { msgs: ["note"] });
    expect(snapshot.values.msgs).toEqual(["hi", "ok", "note"]);
    expect(warnings()).toContain("LG_RETENTION_FAILED");
  });
});

describe("maxCheckpoints after a crash and after a fork", () => {
  it("a run resumed after a crash leaves exactly the newest maxCheckpoints", async () => {
    const store = new MapStore();
    store.failSaveAt = 5; // the run dies at its 5th save (the store stops answering)
    await expect(counter(store, 3, 10).invoke({}, { executionId: "k" })).rejects.toMatchObject({
      code: "LG_CHECKPOINT_SAVE_FAILED",
    });
    expect(await versions(store, "k")).toEqual([2, 3, 4]);
    store.failSaveAt = undefined;
    const done = await counter(store, 3, 10).invoke(null, { executionId: "k" });
    expect(done.state.n).toBe(10);
    expect(await versions(store, "k")).toEqual([9, 10, 11]);
  });

  it("a fork leaves exactly the newest maxCheckpoints once it has run", async () => {
    const store = new MapStore();
    const full = counter(store, 100, 6);
    await full.invoke({}, { executionId: "f" });
    const forkPoint = (await store.list("f"))[2]; // n = 2
    const done = await counter(store, 3, 6).invoke(null, { executionId: "f", checkpointId: forkPoint?.id });
    expect(done.state.n).toBe(6);
    const kept = await store.list("f");
    expect(kept).toHaveLength(3);
    expect(kept.map((cp) => cp.version)).toEqual([done.version! - 2, done.version! - 1, done.version]);
  });
});
