import {
  CheckpointNotFoundError,
  Command,
  END,
  InvalidArgumentError,
  START,
  StateGraph,
  interrupt,
  saveStateEdit,
  type Checkpoint,
} from "../src/index.js";
import { pipeline } from "./support/graphs.js";
import { MapStore } from "./support/map-store.js";

describe("saveStateEdit: an edit written with the store alone", () => {
  it("replaces the latest state whole as an 'update' checkpoint, and a run continues from it", async () => {
    const store = new MapStore();
    const app = pipeline({ checkpoint: { store }, interruptBefore: ["step3"] });
    await app.invoke({}, { executionId: "e" });
    const before = (await store.latest("e")) as Checkpoint;
    const edit = await saveStateEdit(store, { executionId: "e", state: { steps: ["fixed"], count: 40 } });
    expect(edit).toMatchObject({
      version: before.version + 1,
      parentId: before.id,
      nodeName: "__update__",
      metadata: { source: "update", step: before.metadata.step },
      next: ["step3"],
      state: { steps: ["fixed"], count: 40 },
    });
    // No reducer ran: the appending list was replaced, not appended to.
    const done = await app.invoke(null, { executionId: "e" });
    expect(done.state).toEqual({ steps: ["fixed", "step3"], count: 41 });
  });

  it("edits an older checkpoint into a fork, linked to it, leaving the old branch as it was", async () => {
    const store = new MapStore();
    const app = pipeline({ checkpoint: { store } });
    await app.invoke({}, { executionId: "f" });
    const [, second] = await store.list("f");
    const fork = await saveStateEdit(store, {
      executionId: "f",
      checkpointId: (second as Checkpoint).id,
      state: { steps: ["step1"], count: 100 },
    });
    expect(fork).toMatchObject({ version: 5, parentId: (second as Checkpoint).id, metadata: { source: "fork" } });
    expect(fork.next).toEqual((second as Checkpoint).next);
    const resumed = await app.invoke(null, { executionId: "f" });
    expect(resumed.state).toEqual({ steps: ["step1", "step2", "step3"], count: 102 });
    expect((await store.list("f")).map((cp) => cp.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("keeps a pending pause, so answering it continues the interrupted step", async () => {
    const store = new MapStore();
    const app = new StateGraph<{ draft: string; ok?: boolean }>()
      .addNode("review", (state) => ({ ok: interrupt<boolean>(`publish ${state.draft}?`) }))
      .addEdge(START, "review")
      .addEdge("review", END)
      .compile({ checkpoint: { store } });
    const paused = await app.invoke({ draft: "v1" }, { executionId: "p" });
    expect(paused.status).toBe("interrupted");
    const edit = await saveStateEdit(store, { executionId: "p", state: { draft: "v2" } });
    expect(edit.tasks?.interrupts).toHaveLength(1);
    const done = await app.invoke(new Command({ resume: true }), { executionId: "p" });
    expect(done.status).toBe("done");
    expect(done.state).toEqual({ draft: "v2", ok: true });
  });

  it("is idempotent: the same edit again writes nothing", async () => {
    const store = new MapStore();
    await pipeline({ checkpoint: { store } }).invoke({}, { executionId: "i" });
    const first = await saveStateEdit(store, {
      executionId: "i",
      state: { steps: [], count: 1 },
      idempotencyKey: "k1",
    });
    const again = await saveStateEdit(store, {
      executionId: "i",
      state: { steps: [], count: 1 },
      idempotencyKey: "k1",
    });
    expect(again.id).toBe(first.id);
    expect((await store.list("i")).length).toBe(5);
  });

  it("rejects an unknown execution or checkpoint, and a state that is not an object, with typed errors", async () => {
    const store = new MapStore();
    await pipeline({ checkpoint: { store } }).invoke({}, { executionId: "x" });
    await pipeline({ checkpoint: { store } }).invoke({}, { executionId: "y" });
    const other = (await store.latest("y")) as Checkpoint;
    await expect(saveStateEdit(store, { executionId: "nobody", state: {} })).rejects.toBeInstanceOf(
      CheckpointNotFoundError,
    );
    await expect(saveStateEdit(store, { executionId: "x", checkpointId: other.id, state: {} })).rejects.toBeInstanceOf(
      CheckpointNotFoundError,
    );
    await expect(saveStateEdit(store, { executionId: "x", state: [] as never })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(saveStateEdit(store, undefined as never)).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe("getGraph: a graph's shape for drawing", () => {
  it("lists the nodes between START and END and the edges by kind", () => {
    const app = new StateGraph<{ n: number }>()
      .addNode("plan", () => ({}))
      .addNode("act", () => ({}))
      .addNode("check", () => ({}))
      .addEdge(START, "plan")
      .addEdge("plan", "act")
      .addConditionalEdges("act", (s) => (s.n > 1 ? "done" : "again"), { done: "check", again: "plan" })
      .addConditionalEdges("check", () => END)
      .compile();
    const shape = app.getGraph();
    expect(shape.nodes.map((n) => n.name)).toEqual(["__start__", "plan", "act", "check", "__end__"]);
    expect(shape.edges).toEqual([
      { source: "__start__", target: "plan", kind: "static" },
      { source: "plan", target: "act", kind: "static" },
      { source: "act", target: "check", kind: "conditional" },
      { source: "act", target: "plan", kind: "conditional" },
      { source: "check", target: "plan", kind: "possible" },
      { source: "check", target: "act", kind: "possible" },
      { source: "check", target: "check", kind: "possible" },
      { source: "check", target: "__end__", kind: "possible" },
    ]);
  });

  it("marks subgraph nodes", () => {
    const inner = new StateGraph<{ n: number }>()
      .addNode("x", () => ({}))
      .addEdge(START, "x")
      .compile();
    const outer = new StateGraph<{ n: number }>()
      .addNode("sub", inner)
      .addEdge(START, "sub")
      .compile({ checkpoint: { store: new MapStore() } });
    expect(outer.getGraph().nodes.find((n) => n.name === "sub")?.subgraph).toBe(true);
  });
});
