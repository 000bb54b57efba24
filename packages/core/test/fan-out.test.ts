import { appendReducer, Command, END, interrupt, send, START, StateGraph } from "../src/index.js";
import { MapStore } from "./support/map-store.js";

type S = { docs: string[]; summaries: string[]; report?: string };
type Doc = { doc: string };

/** Map-reduce: `plan` sends one `summarize` per document, `reduce` joins the summaries. */
function mapReduce(store: MapStore, summarize: (input: Doc) => Partial<S>, maxFanOut?: number) {
  return new StateGraph<S>({ channels: { summaries: { reducer: appendReducer, default: () => [] } } })
    .addNode("plan", () => ({}))
    .addNode("summarize", (input) => summarize(input as unknown as Doc))
    .addNode("reduce", (s) => ({ report: s.summaries.join(" | ") }))
    .addEdge(START, "plan")
    .addConditionalEdges("plan", (s) => s.docs.map((doc) => send("summarize", { doc })))
    .addEdge("summarize", "reduce")
    .addEdge("reduce", END)
    .compile({ checkpoint: { store }, ...(maxFanOut === undefined ? {} : { maxFanOut }) });
}

describe("dynamic fan-out with send()", () => {
  it("runs one task per send with its own input and merges their updates in send order", async () => {
    const store = new MapStore();
    const app = mapReduce(store, ({ doc }) => ({ summaries: [doc.toUpperCase()] }));
    const done = await app.invoke({ docs: ["a", "b", "c"] }, { executionId: "m" });
    expect(done.state.summaries).toEqual(["A", "B", "C"]);
    expect(done.state.report).toBe("A | B | C");
    const afterPlan = (await store.list("m")).find((cp) => cp.nodeName === "plan");
    expect(afterPlan?.next).toEqual(["summarize"]);
    expect(afterPlan?.tasks?.sends).toEqual([
      { node: "summarize", input: { doc: "a" } },
      { node: "summarize", input: { doc: "b" } },
      { node: "summarize", input: { doc: "c" } },
    ]);
  });

  it("a failing send keeps its finished siblings: a resume (from another app instance) re-runs only it", async () => {
    const store = new MapStore();
    const calls: string[] = [];
    let failB = true;
    const summarize = ({ doc }: Doc) => {
      calls.push(doc);
      if (doc === "b" && failB) throw new Error("rate limited");
      return { summaries: [doc] };
    };
    await expect(
      mapReduce(store, summarize).invoke({ docs: ["a", "b", "c"] }, { executionId: "f" }),
    ).rejects.toMatchObject({
      code: "LG_NODE_FAILED",
      node: "summarize#1",
    });
    const kept = await store.latest("f");
    expect(Object.keys(kept?.tasks?.nodes ?? {}).sort()).toEqual(["summarize#0", "summarize#1", "summarize#2"]);
    expect(kept?.tasks?.nodes["summarize#1"]?.error).toBe("rate limited");
    failB = false;
    const done = await mapReduce(store, summarize).invoke(null, { executionId: "f" });
    expect(done.state.summaries).toEqual(["a", "b", "c"]);
    expect(calls).toEqual(["a", "b", "c", "b"]);
  });

  it("sends that interrupt are answered by their labels", async () => {
    const store = new MapStore();
    const app = mapReduce(store, ({ doc }) => ({ summaries: [`${doc}:${interrupt<string>(`approve ${doc}?`)}`] }));
    const paused = await app.invoke({ docs: ["x", "y"] }, { executionId: "i" });
    expect(paused.interrupts).toEqual([
      { node: "summarize", task: "summarize#0", when: "inside", value: "approve x?" },
      { node: "summarize", task: "summarize#1", when: "inside", value: "approve y?" },
    ]);
    const done = await app.invoke(new Command({ resume: { "summarize#0": "ok", "summarize#1": "no" } }), {
      executionId: "i",
    });
    expect(done.state.summaries).toEqual(["x:ok", "y:no"]);
  });

  it("a node can send with Command({ goto }); an empty fan-out runs nothing", async () => {
    const store = new MapStore();
    const app = new StateGraph<S>({ channels: { summaries: { reducer: appendReducer, default: () => [] } } })
      .addNode("plan", (s) => new Command<S>({ goto: s.docs.map((doc) => send("summarize", { doc })) }))
      .addNode("summarize", (input) => ({ summaries: [(input as unknown as Doc).doc] }))
      .addEdge(START, "plan")
      .compile({ checkpoint: { store } });
    expect((await app.invoke({ docs: ["p", "q"] }, { executionId: "g" })).state.summaries).toEqual(["p", "q"]);
    expect((await app.invoke({ docs: [] }, { executionId: "e" })).state.summaries).toEqual([]);
  });

  it("more sends than maxFanOut fail with a clear error; a send to an unknown node too", async () => {
    const store = new MapStore();
    const app = mapReduce(store, ({ doc }) => ({ summaries: [doc] }), 2);
    await expect(app.invoke({ docs: ["1", "2", "3"] }, { executionId: "w" })).rejects.toThrow(
      /sends 3 tasks, more than maxFanOut \(2\)/,
    );
    const wrong = new StateGraph<S>()
      .addNode("plan", () => ({}))
      .addEdge(START, "plan")
      .addConditionalEdges("plan", () => send("nowhere", {}))
      .compile({ checkpoint: { store } });
    await expect(wrong.invoke({ docs: [] }, { executionId: "u" })).rejects.toThrow(
      /names "nowhere", which is not a node/,
    );
  });
});
