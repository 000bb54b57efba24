import { Command, END, START, StateGraph, appendReducer, interrupt } from "@lg/core";
import { MemoryCheckpointStore } from "../src/index.js";
import { newExecutionId } from "./fixtures.js";

type S = { steps: string[]; answer?: string };

function buildApp(store: MemoryCheckpointStore, maxCheckpoints?: number) {
  return new StateGraph<S>({ channels: { steps: { reducer: appendReducer, default: () => [] }, answer: {} } })
    .addNode("draft", async () => ({ steps: ["draft"] }))
    .addNode("ask", async () => ({ answer: interrupt<string>("Publish the draft?") }))
    .addEdge(START, "draft")
    .addEdge("draft", "ask")
    .addEdge("ask", END)
    .compile({ checkpoint: maxCheckpoints === undefined ? { store } : { store, maxCheckpoints } });
}

describe("with the graph runtime", () => {
  it("pauses on interrupt, resumes from the stored checkpoint, and keeps the history in version order", async () => {
    const store = new MemoryCheckpointStore();
    const app = buildApp(store);
    const executionId = newExecutionId();

    const first = await app.invoke({ steps: [] }, { executionId });
    expect(first.status).toBe("interrupted");
    expect(first.interrupts[0]?.value).toBe("Publish the draft?");
    const paused = await store.latest(executionId);
    expect(paused?.next).toEqual(["ask"]);

    const done = await app.invoke(new Command({ resume: "yes" }), { executionId });
    expect(done.status).toBe("done");
    expect(done.state).toEqual({ steps: ["draft"], answer: "yes" });

    const stored = await store.list(executionId);
    const versions = stored.map((cp) => cp.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(versions[0]).toBe(1);
    expect((await store.latest(executionId))?.next).toEqual([]);
    const history = await app.getStateHistory(executionId);
    expect(history.map((snap) => snap.checkpointId)).toEqual(stored.map((cp) => cp.id).reverse());
    await store.close();
  });

  it("survives a new compiled graph over the same store (a restarted worker in the same process)", async () => {
    const store = new MemoryCheckpointStore();
    const executionId = newExecutionId();
    await buildApp(store).invoke({ steps: [] }, { executionId });
    const resumed = await buildApp(store).invoke(new Command({ resume: "later" }), { executionId });
    expect(resumed.state).toEqual({ steps: ["draft"], answer: "later" });
    await store.close();
  });

  it("prunes through the native prune with maxCheckpoints, keeping the checkpoint it resumed from during the run", async () => {
    const store = new MemoryCheckpointStore();
    const executionId = newExecutionId();
    const app = buildApp(store, 1);
    await app.invoke({ steps: [] }, { executionId });
    const paused = await store.latest(executionId);
    expect(await store.list(executionId)).toEqual([paused]); // pruned to the newest one

    const seenDuringRun: boolean[] = [];
    const events = app.stream(new Command({ resume: "ok" }), { executionId });
    for await (const event of events) {
      if (event.type === "checkpoint") seenDuringRun.push((await store.load(paused?.id ?? "")) !== undefined);
    }
    expect(seenDuringRun.length).toBeGreaterThan(0);
    expect(seenDuringRun.every(Boolean)).toBe(true);
    // Its pause is answered: once the run is over it is pruned like any other checkpoint beyond maxCheckpoints.
    const left = await store.list(executionId);
    expect(left.map((cp) => cp.id)).toEqual([(await store.latest(executionId))?.id]);
    expect(left.at(-1)?.next).toEqual([]);
    await store.close();
  });
});
