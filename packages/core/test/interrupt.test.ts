import {
  appendReducer,
  Command,
  END,
  interrupt,
  InvalidGraphError,
  START,
  StateGraph,
  type CompileOptions,
} from "../src/index.js";
import { pipeline } from "./support/graphs.js";
import { MapStore } from "./support/map-store.js";

type Review = { draft: string; log: string[]; approved?: boolean; note?: string };

function review(options: CompileOptions, ran: string[] = []) {
  return new StateGraph<Review>({ channels: { log: { reducer: appendReducer, default: () => [] } } })
    .addNode("write", () => {
      ran.push("write");
      return { draft: "v1", log: ["write"] };
    })
    .addNode("approve", (s) => {
      ran.push("approve");
      const answer = interrupt<{ ok: boolean }>({ question: "approve?", draft: s.draft });
      return { approved: answer.ok, log: ["approve"] };
    })
    .addNode("side", () => {
      ran.push("side");
      return { log: ["side"] };
    })
    .addNode("publish", () => ({ log: ["publish"] }))
    .addEdge(START, "write")
    .addEdge("write", "approve")
    .addEdge("write", "side")
    .addEdge("approve", "publish")
    .addEdge("publish", END)
    .compile(options);
}

describe("human in the loop", () => {
  it("interrupt(value) pauses the run, saves a checkpoint and returns the value; resume returns the answer", async () => {
    const store = new MapStore();
    const ran: string[] = [];
    const app = review({ checkpoint: { store } }, ran);
    const paused = await app.invoke({}, { executionId: "hitl" });
    expect(paused.status).toBe("interrupted");
    expect(paused.interrupts).toEqual([
      { node: "approve", when: "inside", value: { question: "approve?", draft: "v1" } },
    ]);
    expect(paused.next).toEqual(["approve", "side"]);
    const snapshot = await app.getState("hitl");
    expect(snapshot?.nodeName).toBe("__interrupt__");
    expect(snapshot?.interrupts[0]?.value).toEqual({ question: "approve?", draft: "v1" });
    expect(snapshot?.checkpointId).toBe(paused.checkpointId);

    const done = await app.invoke(new Command({ resume: { ok: true } }), { executionId: "hitl" });
    expect(done.status).toBe("done");
    expect(done.state.approved).toBe(true);
    expect(done.state.log).toEqual(["write", "approve", "side", "publish"]);
    // "side" finished in the interrupted step: its write was kept and it did not run twice
    expect(ran.filter((n) => n === "side")).toHaveLength(1);
    expect(ran.filter((n) => n === "approve")).toHaveLength(2);
  });

  it("a node can interrupt several times; answers are matched in call order", async () => {
    const store = new MapStore();
    const app = new StateGraph<{ a?: string; b?: string }>()
      .addNode("form", () => ({ a: interrupt<string>("first?"), b: interrupt<string>("second?") }))
      .addEdge(START, "form")
      .compile({ checkpoint: { store } });
    const one = await app.invoke({}, { executionId: "twice" });
    expect(one.interrupts[0]?.value).toBe("first?");
    const two = await app.invoke(new Command({ resume: "A" }), { executionId: "twice" });
    expect(two.status).toBe("interrupted");
    expect(two.interrupts[0]?.value).toBe("second?");
    const three = await app.invoke(new Command({ resume: "B" }), { executionId: "twice" });
    expect(three).toMatchObject({ status: "done", state: { a: "A", b: "B" } });
  });

  it("interruptBefore pauses before the node; resuming runs it", async () => {
    const store = new MapStore();
    const ran: string[] = [];
    const app = pipeline({ checkpoint: { store }, interruptBefore: ["step2"] }, { onRun: (n) => ran.push(n) });
    const paused = await app.invoke({}, { executionId: "before" });
    expect(paused).toMatchObject({
      status: "interrupted",
      next: ["step2"],
      interrupts: [{ node: "step2", when: "before" }],
    });
    expect(ran).toEqual(["step1"]);
    const done = await app.invoke(null, { executionId: "before" });
    expect(done.status).toBe("done");
    expect(ran).toEqual(["step1", "step2", "step3"]);
  });

  it("interruptAfter pauses after the node has run and its checkpoint is saved", async () => {
    const store = new MapStore();
    const ran: string[] = [];
    const app = pipeline({ checkpoint: { store }, interruptAfter: ["step1"] }, { onRun: (n) => ran.push(n) });
    const paused = await app.invoke({}, { executionId: "after" });
    expect(paused).toMatchObject({
      status: "interrupted",
      next: ["step2"],
      interrupts: [{ node: "step1", when: "after" }],
    });
    expect((await store.latest("after"))?.nodeName).toBe("step1");
    const edited = await app.updateState("after", { count: 100 });
    expect(edited.values.count).toBe(100);
    const done = await app.invoke(null, { executionId: "after" });
    expect(done.state.count).toBe(102);
    expect(ran).toEqual(["step1", "step2", "step3"]);
  });

  it("a resume value for an execution with no pending interrupt is refused and writes nothing", async () => {
    const store = new MapStore();
    const app = pipeline({ checkpoint: { store } });
    await app.invoke({}, { executionId: "finished" });
    await expect(app.invoke(new Command({ resume: "late" }), { executionId: "finished" })).rejects.toThrow(
      /no pending interrupt .* to give a resume value to/,
    );
    expect((await store.list("finished")).length).toBe(4);
  });

  it("interrupt() outside a running node is an error", () => {
    expect(() => interrupt("x")).toThrow(InvalidGraphError);
  });
});

describe("interrupts: edge cases", () => {
  it("runs nodes whose names are Object.prototype members", async () => {
    const app = new StateGraph<{ x: number }>()
      .addNode("constructor", () => ({ x: 42 }))
      .addNode("toString", (s) => ({ x: s.x + 1 }))
      .addEdge(START, "constructor")
      .addEdge("constructor", "toString")
      .compile({ checkpoint: { store: new MapStore() } });
    expect((await app.invoke({ x: 0 }, { executionId: "proto" })).state.x).toBe(43);
  });

  it("a Command with update and resume keeps the interrupt pending if the resumed step fails", async () => {
    const store = new MapStore();
    const crash = { on: true };
    const ran: string[] = [];
    type S = { ok?: boolean; note?: string; log: string[] };
    const app = new StateGraph<S>({ channels: { log: { reducer: appendReducer, default: () => [] } } })
      .addNode("approve", () => {
        const answer = interrupt<boolean>("ok?");
        if (crash.on) throw new Error("flaky");
        return { ok: answer, log: ["approve"] };
      })
      .addNode("side", () => {
        ran.push("side");
        return { log: ["side"] };
      })
      .addEdge(START, "approve")
      .addEdge(START, "side")
      .compile({ checkpoint: { store } });
    await app.invoke({}, { executionId: "u+r" });
    await expect(
      app.invoke(new Command({ resume: true, update: { note: "n" } }), { executionId: "u+r" }),
    ).rejects.toThrow(/node "approve" failed/);
    crash.on = false;
    const done = await app.invoke(new Command({ resume: true }), { executionId: "u+r" });
    expect(done.state).toMatchObject({ ok: true, note: "n", log: ["approve", "side"] });
    expect(ran).toEqual(["side"]);
  });

  it("several pending interrupts take one answer per node, and say so otherwise", async () => {
    type S = { a?: string; b?: string };
    const app = new StateGraph<S>()
      .addNode("a", () => ({ a: interrupt<string>("a?") }))
      .addNode("b", () => ({ b: interrupt<string>("b?") }))
      .addEdge(START, "a")
      .addEdge(START, "b")
      .compile({ checkpoint: { store: new MapStore() } });
    const paused = await app.invoke({}, { executionId: "two" });
    expect(paused.interrupts.map((i) => i.node)).toEqual(["a", "b"]);
    await expect(app.invoke(new Command({ resume: "x" }), { executionId: "two" })).rejects.toThrow(
      /2 pending interrupts \(a, b\).*missing: a, b/,
    );
    const done = await app.invoke(new Command({ resume: { a: "A", b: "B" } }), { executionId: "two" });
    expect(done.state).toEqual({ a: "A", b: "B" });
  });

  it("a failing router keeps the progress (autoSave: false) and is reported as a NodeError", async () => {
    const store = new MapStore();
    const app = new StateGraph<{ n: number }>()
      .addNode("a", (s) => ({ n: s.n + 1 }))
      .addNode("b", (s) => ({ n: s.n + 1 }))
      .addEdge(START, "a")
      .addEdge("a", "b")
      .addConditionalEdges("b", () => {
        throw new Error("router broke");
      })
      .compile({ checkpoint: { store, autoSave: false } });
    const error = await app.invoke({ n: 0 }, { executionId: "router" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "LG_NODE_FAILED", node: "b" });
    expect((await store.latest("router"))?.state).toEqual({ n: 1 });
  });

  it("an unstorable value in the state fails the run with SerializationError naming the path", async () => {
    const app = new StateGraph<{ cb?: unknown }>()
      .addNode("a", () => ({ cb: () => 1 }))
      .addEdge(START, "a")
      .compile({ checkpoint: { store: new MapStore() } });
    await expect(app.invoke({}, { executionId: "fn" })).rejects.toMatchObject({
      code: "LG_SERIALIZATION",
      path: "state.cb",
    });
  });
});
