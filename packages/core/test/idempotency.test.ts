import { appendReducer, Command, END, interrupt, START, StateGraph } from "../src/index.js";
import { MapStore } from "./support/map-store.js";

type Review = { draft: string; notes: string[]; approved?: boolean };

function review(store: MapStore, failures: { left: number }) {
  return new StateGraph<Review>({ channels: { notes: { reducer: appendReducer, default: () => [] } } })
    .addNode("write", () => ({ draft: "v1" }))
    .addNode("approve", () => {
      const ok = interrupt<boolean>("approve?");
      if (failures.left-- > 0) throw new Error("mail server down");
      return { approved: ok };
    })
    .addEdge(START, "write")
    .addEdge("write", "approve")
    .addEdge("approve", END)
    .compile({ checkpoint: { store } });
}

describe("idempotent updates", () => {
  it("retrying a Command whose resumed node failed does not apply its update twice", async () => {
    const store = new MapStore();
    const failures = { left: 1 };
    const app = review(store, failures);
    await app.invoke({}, { executionId: "r" });
    const command = new Command<Review>({ update: { notes: ["LGTM"] }, resume: true });
    await expect(app.invoke(command, { executionId: "r" })).rejects.toMatchObject({ code: "LG_NODE_FAILED" });
    const done = await app.invoke(command, { executionId: "r" });
    expect(done.status).toBe("done");
    expect(done.state.notes).toEqual(["LGTM"]);
    expect(done.state.approved).toBe(true);
  });

  it("retrying updateState after its answer was lost returns what landed instead of applying it again", async () => {
    const store = new MapStore();
    const app = review(store, { left: 0 });
    await app.invoke({}, { executionId: "u" });
    store.loseAnswerAt = store.calls.filter((c) => c === "save").length + 1;
    await expect(app.updateState("u", { notes: ["fix typo"] })).rejects.toMatchObject({
      code: "LG_CHECKPOINT_SAVE_FAILED",
    });
    const landed = await store.latest("u");
    const retried = await app.updateState("u", { notes: ["fix typo"] });
    expect(retried.checkpointId).toBe(landed?.id);
    expect(retried.values.notes).toEqual(["fix typo"]);
    expect((await store.list("u")).length).toBe(4); // input, write, the pause, the one edit
  });

  it("a caller's idempotencyKey decides: the same key applies once, distinct keys apply twice", async () => {
    const store = new MapStore();
    const app = review(store, { left: 0 });
    await app.invoke({}, { executionId: "k" });
    await app.updateState("k", { notes: ["a"] }, { idempotencyKey: "req-1" });
    await app.updateState("k", { notes: ["a"] }, { idempotencyKey: "req-1" });
    expect((await app.getState("k"))?.values.notes).toEqual(["a"]);
    await app.updateState("k", { notes: ["a"] }, { idempotencyKey: "req-2" });
    expect((await app.getState("k"))?.values.notes).toEqual(["a", "a"]);
    // A caller's key is remembered across steps: the run continues, and a late retry still changes nothing.
    await app.invoke(new Command({ resume: true }), { executionId: "k" });
    const before = await store.latest("k");
    const late = await app.updateState("k", { notes: ["a"] }, { idempotencyKey: "req-1" });
    expect(late.checkpointId).toBe(before?.id);
  });

  it("without a key, an identical update right after the first is taken as its retry", async () => {
    const store = new MapStore();
    const app = review(store, { left: 0 });
    await app.invoke({}, { executionId: "d" });
    await app.updateState("d", { notes: ["x"] });
    await app.updateState("d", { notes: ["x"] });
    expect((await app.getState("d"))?.values.notes).toEqual(["x"]);
    await app.updateState("d", { notes: ["y"] });
    expect((await app.getState("d"))?.values.notes).toEqual(["x", "y"]);
  });

  it("refuses an empty idempotencyKey", async () => {
    const store = new MapStore();
    const app = review(store, { left: 0 });
    await app.invoke({}, { executionId: "e" });
    await expect(app.updateState("e", { notes: ["x"] }, { idempotencyKey: "" })).rejects.toMatchObject({
      code: "LG_INVALID_ARGUMENT",
    });
  });
});
