import { appendReducer, Command, END, interrupt, START, StateGraph } from "../src/index.js";
import { MapStore } from "./support/map-store.js";

type S = { log: string[]; plan?: string };
const channels = { log: { reducer: appendReducer, default: () => [] as string[] } };

describe("routing from inside a node", () => {
  it("a node returns Command({ update, goto }) to choose the next node", async () => {
    const app = new StateGraph<S>({ channels })
      .addNode(
        "plan",
        (s) => new Command<S>({ update: { plan: "fast", log: ["plan"] }, goto: s.log.length > 5 ? "slow" : "fast" }),
      )
      .addNode("fast", () => ({ log: ["fast"] }))
      .addNode("slow", () => ({ log: ["slow"] }))
      .addEdge(START, "plan")
      .compile({ checkpoint: { store: new MapStore() } });
    const done = await app.invoke({}, { executionId: "g" });
    expect(done.state).toEqual({ log: ["plan", "fast"], plan: "fast" });
  });

  it("a goto of a node that finished in an interrupted step is kept and applied on resume", async () => {
    const store = new MapStore();
    const app = new StateGraph<S>({ channels })
      .addNode("route", () => new Command<S>({ update: { log: ["route"] }, goto: "after" }))
      .addNode("ask", () => ({ plan: interrupt<string>("plan?") }))
      .addNode("after", () => ({ log: ["after"] }))
      .addEdge(START, "route")
      .addEdge(START, "ask")
      .compile({ checkpoint: { store } });
    const paused = await app.invoke({}, { executionId: "k" });
    expect((await app.getState("k"))?.tasks?.nodes.route).toEqual({ writes: { log: ["route"] }, goto: ["after"] });
    expect(paused.status).toBe("interrupted");
    const done = await app.invoke(new Command({ resume: "p" }), { executionId: "k" });
    expect(done.state).toEqual({ log: ["route", "after"], plan: "p" });
  });

  it("goto END adds nothing; an unknown goto fails the node; a goto in invoke input is refused", async () => {
    const store = new MapStore();
    const stop = new StateGraph<S>({ channels })
      .addNode("a", () => new Command<S>({ goto: END }))
      .addEdge(START, "a")
      .compile({ checkpoint: { store } });
    expect((await stop.invoke({}, { executionId: "e" })).status).toBe("done");
    const wrong = new StateGraph<S>({ channels })
      .addNode("a", () => new Command<S>({ goto: "nowhere" }))
      .addEdge(START, "a")
      .compile({ checkpoint: { store } });
    await expect(wrong.invoke({}, { executionId: "w" })).rejects.toThrow(/goto "nowhere", which is not a node/);
    await expect(stop.invoke(new Command({ goto: "a" }), { executionId: "e" })).rejects.toMatchObject({
      code: "LG_INVALID_ARGUMENT",
    });
  });
});

describe('interruptBefore / interruptAfter "*"', () => {
  it("pauses before every node", async () => {
    const app = new StateGraph<S>({ channels })
      .addNode("a", () => ({ log: ["a"] }))
      .addNode("b", () => ({ log: ["b"] }))
      .addEdge(START, "a")
      .addEdge("a", "b")
      .addEdge("b", END)
      .compile({ checkpoint: { store: new MapStore() }, interruptBefore: "*" });
    const first = await app.invoke({}, { executionId: "s" });
    expect(first.interrupts).toEqual([{ node: "a", when: "before", value: undefined }]);
    const second = await app.invoke(null, { executionId: "s" });
    expect(second.interrupts).toEqual([{ node: "b", when: "before", value: undefined }]);
    expect((await app.invoke(null, { executionId: "s" })).state.log).toEqual(["a", "b"]);
  });

  it("pauses after every node", async () => {
    const app = new StateGraph<S>({ channels })
      .addNode("a", () => ({ log: ["a"] }))
      .addNode("b", () => ({ log: ["b"] }))
      .addEdge(START, "a")
      .addEdge("a", "b")
      .compile({ checkpoint: { store: new MapStore() }, interruptAfter: "*" });
    expect((await app.invoke({}, { executionId: "t" })).interrupts[0]).toMatchObject({ node: "a", when: "after" });
    expect((await app.invoke(null, { executionId: "t" })).interrupts[0]).toMatchObject({ node: "b", when: "after" });
    expect((await app.invoke(null, { executionId: "t" })).status).toBe("done");
  });
});
