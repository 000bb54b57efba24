import { appendReducer, Command, END, interrupt, START, StateGraph } from "../src/index.js";
import { MapStore } from "./support/map-store.js";

type Parent = { topic: string; log: string[]; report?: string };
type Child = { topic: string; notes: string[]; approved?: string };

function research(calls: string[]) {
  return new StateGraph<Child>({ channels: { notes: { reducer: appendReducer, default: () => [] } } })
    .addNode("search", (s) => (calls.push("search"), { notes: [`found ${s.topic}`] }))
    .addNode("ask", () => (calls.push("ask"), { approved: interrupt<string>("use these notes?") }))
    .addNode("summarize", (s) => (calls.push("summarize"), { notes: [`summary (${s.approved ?? ""})`] }))
    .addEdge(START, "search")
    .addEdge("search", "ask")
    .addEdge("ask", "summarize")
    .addEdge("summarize", END)
    .compile();
}

function parent(store: MapStore, calls: string[]) {
  return new StateGraph<Parent>({ channels: { log: { reducer: appendReducer, default: () => [] } } })
    .addNode("prepare", () => ({ log: ["prepare"] }))
    .addNode("research", research(calls), {
      input: (s) => ({ topic: s.topic }),
      output: (child) => ({ report: child.notes.join("; "), log: ["research"] }),
    })
    .addNode("publish", (s) => ({ log: [`publish: ${s.report ?? ""}`] }))
    .addEdge(START, "prepare")
    .addEdge("prepare", "research")
    .addEdge("research", "publish")
    .addEdge("publish", END)
    .compile({ checkpoint: { store } });
}

describe("subgraphs", () => {
  it("an interrupt inside a subgraph pauses the parent; a resume from another app instance continues inside it", async () => {
    const store = new MapStore();
    const calls: string[] = [];
    const paused = await parent(store, calls).invoke({ topic: "pricing" }, { executionId: "p" });
    expect(paused.status).toBe("interrupted");
    expect(paused.interrupts).toEqual([{ node: "research", when: "inside", value: "use these notes?" }]);
    const snapshot = await parent(store, calls).getState("p", undefined, { subgraphs: true });
    expect(snapshot?.subgraphs?.research?.values).toEqual({ topic: "pricing", notes: ["found pricing"] });
    expect(snapshot?.subgraphs?.research?.interrupts).toEqual([
      { node: "ask", when: "inside", value: "use these notes?" },
    ]);

    const done = await parent(store, [...calls]).invoke(new Command({ resume: "yes" }), { executionId: "p" });
    expect(done.status).toBe("done");
    expect(done.state.report).toBe("found pricing; summary (yes)");
    expect(done.state.log).toEqual(["prepare", "research", "publish: found pricing; summary (yes)"]);
    expect(calls).toEqual(["search", "ask"]); // the first instance ran these; the resume ran in the other instance
  });

  it("the subgraph's own steps are not repeated on resume", async () => {
    const store = new MapStore();
    const calls: string[] = [];
    const app = parent(store, calls);
    await app.invoke({ topic: "t" }, { executionId: "once" });
    await app.invoke(new Command({ resume: "ok" }), { executionId: "once" });
    expect(calls).toEqual(["search", "ask", "ask", "summarize"]);
  });

  it("forking the parent before the subgraph step starts a new subgraph run; the first branch's stays as it was", async () => {
    const store = new MapStore();
    const calls: string[] = [];
    const app = parent(store, calls);
    await app.invoke({ topic: "a" }, { executionId: "f" });
    const first = await app.invoke(new Command({ resume: "first" }), { executionId: "f" });
    expect(first.state.report).toBe("found a; summary (first)");
    const beforeResearch = (await store.list("f")).find((cp) => cp.nodeName === "prepare");
    const paused = await app.invoke(null, { executionId: "f", checkpointId: beforeResearch?.id });
    expect(paused.interrupts[0]?.value).toBe("use these notes?");
    const second = await app.invoke(new Command({ resume: "second" }), { executionId: "f" });
    expect(second.state.report).toBe("found a; summary (second)");
    expect(calls.filter((c) => c === "search")).toHaveLength(2);
  });

  it("a fork taken at a pause inside the subgraph runs a subgraph of its own; both branches finish with their answers", async () => {
    const store = new MapStore();
    const calls: string[] = [];
    const app = parent(store, calls);
    const paused = await app.invoke({ topic: "b" }, { executionId: "mid" });
    const first = await app.invoke(new Command({ resume: "first" }), { executionId: "mid" });
    expect(first.state.report).toBe("found b; summary (first)");
    const forked = await app.invoke(new Command({ resume: "second" }), {
      executionId: "mid",
      checkpointId: paused.checkpointId,
    });
    expect(forked.state.report).toBe("found b; summary (second)");
    expect(calls.filter((c) => c === "search")).toHaveLength(2); // the fork's subgraph started anew
    // The first branch's subgraph run is untouched: its last state still says "first".
    const runs = (await store.listExecutions()).executions
      .map((e) => e.executionId)
      .filter((id) => id.startsWith("mid::research::"));
    const finals = await Promise.all(runs.map(async (id) => (await store.latest(id))?.state as { approved?: string }));
    expect(finals.map((f) => f.approved).sort()).toEqual(["first", "second"]);
  });

  it("without mappers the subgraph's final state is the node's update; a parent without a store cannot run one", async () => {
    const store = new MapStore();
    const child = new StateGraph<{ n: number }>()
      .addNode("inc", (s) => ({ n: s.n + 1 }))
      .addEdge(START, "inc")
      .compile();
    const app = new StateGraph<{ n: number }>()
      .addNode("sub", child)
      .addEdge(START, "sub")
      .compile({ checkpoint: { store } });
    expect((await app.invoke({ n: 1 }, { executionId: "plain" })).state).toEqual({ n: 2 });
    expect(() => new StateGraph<{ n: number }>().addNode("sub", child).addEdge(START, "sub").compile()).toThrow(
      /subgraph node\(s\) sub need a checkpoint store/,
    );
  });
});
