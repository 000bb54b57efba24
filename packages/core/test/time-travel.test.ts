import { CheckpointNotFoundError, StateGraph, START, type Checkpoint } from "../src/index.js";
import { pipeline } from "./support/graphs.js";
import { MapStore } from "./support/map-store.js";

describe("time travel", () => {
  it("getState returns the latest snapshot or a chosen one; undefined for an unknown execution", async () => {
    const store = new MapStore();
    const app = pipeline({ checkpoint: { store } });
    await app.invoke({}, { executionId: "x" });
    const latest = await app.getState("x");
    expect(latest).toMatchObject({ version: 4, next: [], values: { count: 3 }, executionId: "x" });
    const first = (await store.list("x"))[0] as Checkpoint;
    expect((await app.getState("x", first.id))?.values).toEqual({ steps: [], count: 0 });
    expect(await app.getState("nobody")).toBeUndefined();
    await expect(app.getState("other-execution", first.id)).rejects.toBeInstanceOf(CheckpointNotFoundError);
  });

  it("getStateHistory lists newest first by default, with limit and order", async () => {
    const store = new MapStore();
    const app = pipeline({ checkpoint: { store } });
    await app.invoke({}, { executionId: "h" });
    expect((await app.getStateHistory("h")).map((s) => s.version)).toEqual([4, 3, 2, 1]);
    expect((await app.getStateHistory("h", { limit: 2 })).map((s) => s.version)).toEqual([4, 3]);
    expect((await app.getStateHistory("h", { order: "asc", beforeVersion: 3 })).map((s) => s.version)).toEqual([1, 2]);
  });

  it("updateState on the latest writes an 'update' checkpoint; on an older one a 'fork'", async () => {
    const store = new MapStore();
    const app = pipeline({ checkpoint: { store } });
    await app.invoke({}, { executionId: "u" });
    const latest = await app.updateState("u", { count: 42 });
    expect(latest).toMatchObject({ version: 5, nodeName: "__update__", metadata: { source: "update" }, next: [] });
    const base = (await store.list("u"))[1] as Checkpoint;
    const fork = await app.updateState("u", { steps: ["edited"] }, { checkpointId: base.id });
    expect(fork).toMatchObject({ version: 6, parentId: base.id, metadata: { source: "fork" }, next: ["step2"] });
    expect(fork.values.steps).toEqual(["step1", "edited"]);
    const resumed = await app.invoke(null, { executionId: "u" });
    expect(resumed.state.steps).toEqual(["step1", "edited", "step2", "step3"]);
    expect((await store.latest("u"))?.version).toBe(8);
  });

  it("updateState asNode sets next to that node's successors", async () => {
    const store = new MapStore();
    const app = pipeline({ checkpoint: { store }, interruptBefore: ["step2"] });
    await app.invoke({}, { executionId: "as" });
    const snap = await app.updateState("as", { count: 10 }, { asNode: "step2" });
    expect(snap.next).toEqual(["step3"]);
    expect(snap.metadata.asNode).toBe("step2");
    await expect(app.updateState("as", {}, { asNode: "ghost" })).rejects.toThrow(/unknown node "ghost"/);
  });

  it("time travel needs a store", async () => {
    const app = new StateGraph<{ x: number }>()
      .addNode("a", () => ({}))
      .addEdge(START, "a")
      .compile();
    await expect(app.getState("e")).rejects.toThrow(/needs a checkpoint store/);
  });
});
