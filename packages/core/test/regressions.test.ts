import {
  appendReducer,
  Command,
  END,
  interrupt,
  InvalidGraphError,
  send,
  START,
  StateGraph,
  type StreamPart,
} from "../src/index.js";
import { MapStore } from "./support/map-store.js";

type Docs = { docs: string[]; outs: string[] };
const outs = { outs: { reducer: appendReducer, default: () => [] as string[] } };

describe("subgraphs and sends", () => {
  it("several sends to one subgraph node are several subgraph runs", async () => {
    const store = new MapStore();
    const child = new StateGraph<{ doc: string; summary?: string }>()
      .addNode("sum", (s) => ({ summary: `summary of ${s.doc}` }))
      .addEdge(START, "sum")
      .compile();
    const app = new StateGraph<Docs>({ channels: outs })
      .addNode("plan", () => ({}))
      .addNode("sub", child, { output: (r) => ({ outs: [r.summary ?? ""] }) })
      .addEdge(START, "plan")
      .addConditionalEdges("plan", (s) => s.docs.map((doc) => send("sub", { doc })))
      .compile({ checkpoint: { store } });
    const done = await app.invoke({ docs: ["A", "B", "C"] }, { executionId: "s" });
    expect(done.state.outs).toEqual(["summary of A", "summary of B", "summary of C"]);
  });

  it("an edit as a node at a pause inside a subgraph starts the next step anew (the subgraph asks about the edit)", async () => {
    const store = new MapStore();
    const child = new StateGraph<{ topic: string; answer?: string }>()
      .addNode("ask", (s) => ({ answer: interrupt<string>(`approve topic ${s.topic}?`) }))
      .addEdge(START, "ask")
      .compile();
    const app = new StateGraph<{ topic: string; answer?: string }>()
      .addNode("pick", () => ({}))
      .addNode("sub", child)
      .addEdge(START, "pick")
      .addEdge("pick", "sub")
      .compile({ checkpoint: { store } });
    const paused = await app.invoke({ topic: "cats" }, { executionId: "e" });
    expect(paused.interrupts[0]?.value).toBe("approve topic cats?");
    await app.updateState("e", { topic: "dogs" }, { asNode: "pick" });
    const again = await app.invoke(null, { executionId: "e" });
    expect(again.interrupts[0]?.value).toBe("approve topic dogs?");
    expect((await app.invoke(new Command({ resume: "yes" }), { executionId: "e" })).state).toEqual({
      topic: "dogs",
      answer: "yes",
    });
  });

  it("a subgraph never hands an earlier answer to a later question, also after an edit of its own state", async () => {
    const store = new MapStore();
    const child = new StateGraph<{ q1?: string; q2?: string; note?: string }>()
      .addNode("ask1", () => ({ q1: interrupt<string>("first?") }))
      .addNode("ask2", () => ({ q2: interrupt<string>("second?") }))
      .addEdge(START, "ask1")
      .addEdge("ask1", "ask2")
      .compile({ checkpoint: { store } });
    const app = new StateGraph<{ q1?: string; q2?: string; note?: string }>()
      .addNode("sub", child)
      .addEdge(START, "sub")
      .compile({ checkpoint: { store } });
    await app.invoke({}, { executionId: "q" });
    await app.invoke(new Command({ resume: "one" }), { executionId: "q" });
    const subId = (await app.getState("q", undefined, { subgraphs: true }))?.subgraphs?.sub?.executionId as string;
    await child.updateState(subId, { note: "looked at it" });
    const still = await app.invoke(null, { executionId: "q" });
    expect(still.status).toBe("interrupted");
    expect(still.interrupts[0]?.value).toBe("second?");
    expect((await app.invoke(new Command({ resume: "two" }), { executionId: "q" })).state).toMatchObject({
      q1: "one",
      q2: "two",
    });
  });

  it("updateState as a send's task completes a step paused in a send, keeping the other sends' results", async () => {
    const store = new MapStore();
    const app = new StateGraph<Docs>({ channels: outs })
      .addNode("plan", () => ({}))
      .addNode("sum", (input) => {
        const { doc } = input as unknown as { doc: string };
        return { outs: [doc === "B" ? interrupt<string>("summary of B?") : `sum ${doc}`] };
      })
      .addEdge(START, "plan")
      .addConditionalEdges("plan", (s) => s.docs.map((doc) => send("sum", { doc })))
      .compile({ checkpoint: { store } });
    await app.invoke({ docs: ["A", "B", "C"] }, { executionId: "u" });
    await app.updateState("u", { outs: ["human B"] }, { asNode: "sum#1" });
    expect((await app.invoke(null, { executionId: "u" })).state.outs).toEqual(["sum A", "human B", "sum C"]);
  });

  it("node names may not hold '#' (it labels sends)", () => {
    expect(() => new StateGraph<Docs>().addNode("sum#0", () => ({}))).toThrow(InvalidGraphError);
  });

  it("custom and updates parts of a send carry its label; custom parts their attempt", async () => {
    const app = new StateGraph<Docs>({ channels: outs })
      .addNode("plan", () => ({}))
      .addNode("sum", (input, ctx) => {
        const { doc } = input as unknown as { doc: string };
        ctx.emit(`tok ${doc}`);
        return { outs: [doc] };
      })
      .addEdge(START, "plan")
      .addConditionalEdges("plan", (s) => s.docs.map((doc) => send("sum", { doc })))
      .compile({ checkpoint: { store: new MapStore() } });
    const parts: StreamPart<Docs>[] = [];
    for await (const part of app.stream({ docs: ["A", "B"] }, { executionId: "p", streamMode: ["custom", "updates"] }))
      parts.push(part);
    expect(parts.filter((p) => p.mode === "custom")).toEqual([
      { mode: "custom", step: 2, node: "sum", task: "sum#0", attempt: 1, value: "tok A" },
      { mode: "custom", step: 2, node: "sum", task: "sum#1", attempt: 1, value: "tok B" },
    ]);
    expect(parts.filter((p) => p.mode === "updates" && p.node === "sum")).toEqual([
      { mode: "updates", step: 2, node: "sum", task: "sum#0", update: { outs: ["A"] } },
      { mode: "updates", step: 2, node: "sum", task: "sum#1", update: { outs: ["B"] } },
    ]);
  });
});

describe("cancellation, retries and keys", () => {
  it("with autoSave: false, a cancellation during a step keeps the steps completed before it", async () => {
    const store = new MapStore();
    const controller = new AbortController();
    const app = new StateGraph<{ log: string[] }>({ channels: { log: { reducer: appendReducer, default: () => [] } } })
      .addNode("a", () => ({ log: ["a"] }))
      .addNode("b", () => ({ log: ["b"] }))
      .addNode(
        "c",
        (_s, ctx) =>
          new Promise<{ log: string[] }>((resolve) => {
            ctx.signal.addEventListener("abort", () => resolve({ log: ["c"] }));
            controller.abort();
          }),
      )
      .addEdge(START, "a")
      .addEdge("a", "b")
      .addEdge("b", "c")
      .compile({ checkpoint: { store, autoSave: false } });
    await expect(app.invoke({}, { executionId: "k", signal: controller.signal })).rejects.toMatchObject({
      code: "LG_RUN_CANCELLED",
    });
    expect((await store.latest("k"))?.state).toEqual({ log: ["a", "b"] });
  });

  it("a retryOn that throws fails the node with a NodeError and keeps the progress", async () => {
    const store = new MapStore();
    const app = new StateGraph<{ log: string[] }>({ channels: { log: { reducer: appendReducer, default: () => [] } } })
      .addNode("a", () => ({ log: ["a"] }))
      .addNode(
        "b",
        () => {
          throw new Error("down");
        },
        {
          retry: {
            retryOn: () => {
              throw new TypeError("bad predicate");
            },
          },
        },
      )
      .addEdge(START, "a")
      .addEdge("a", "b")
      .compile({ checkpoint: { store, autoSave: false } });
    await expect(app.invoke({}, { executionId: "r" })).rejects.toMatchObject({ code: "LG_NODE_FAILED" });
    expect((await store.latest("r"))?.state).toEqual({ log: ["a"] });
  });

  it("a retried invoke(input, { idempotencyKey }) whose input landed continues instead of merging it again", async () => {
    const store = new MapStore();
    const app = new StateGraph<{ messages: string[] }>({
      channels: { messages: { reducer: appendReducer, default: () => [] } },
    })
      .addNode("reply", (s) => ({ messages: [`reply to ${s.messages[s.messages.length - 1] ?? ""}`] }))
      .addEdge(START, "reply")
      .compile({ checkpoint: { store } });
    store.loseAnswerAt = 1;
    await expect(app.invoke({ messages: ["hi"] }, { executionId: "i", idempotencyKey: "req-1" })).rejects.toMatchObject(
      {
        code: "LG_CHECKPOINT_SAVE_FAILED",
      },
    );
    const done = await app.invoke({ messages: ["hi"] }, { executionId: "i", idempotencyKey: "req-1" });
    expect(done.state.messages).toEqual(["hi", "reply to hi"]);
    const again = await app.invoke({ messages: ["hi"] }, { executionId: "i", idempotencyKey: "req-1" });
    expect(again.state.messages).toEqual(["hi", "reply to hi"]);
    await expect(
      app.invoke({ messages: ["x"] }, { executionId: "i", idempotencyKey: "auto:mine" }),
    ).rejects.toMatchObject({
      code: "LG_INVALID_ARGUMENT",
    });
  });

  it("a retried Command with a key on a fork continues that fork instead of forking again", async () => {
    const store = new MapStore();
    const ran: string[] = [];
    const app = new StateGraph<{ log: string[] }>({ channels: { log: { reducer: appendReducer, default: () => [] } } })
      .addNode("a", () => ({ log: ["a"] }))
      .addNode("b", () => (ran.push("b"), { log: ["b"] }))
      .addEdge(START, "a")
      .addEdge("a", "b")
      .addEdge("b", END)
      .compile({ checkpoint: { store }, interruptBefore: ["b"] });
    const paused = await app.invoke({}, { executionId: "f" });
    await app.invoke(null, { executionId: "f" });
    const command = () => new Command<{ log: string[] }>({ update: { log: ["human"] }, idempotencyKey: "req-1" });
    await app.invoke(command(), { executionId: "f", checkpointId: paused.checkpointId });
    const retried = await app.invoke(command(), { executionId: "f", checkpointId: paused.checkpointId });
    expect(retried.state.log).toEqual(["a", "human", "b"]);
    expect(ran).toEqual(["b", "b"]);
  });

  it("a deliberate fork edit made again after steps completed is applied (a default key stops at a completed step)", async () => {
    const store = new MapStore();
    const app = new StateGraph<{ flag?: string; n: number }>({ channels: { n: { default: () => 0 } } })
      .addNode("inc", (s) => ({ n: s.n + 1 }))
      .addEdge(START, "inc")
      .addConditionalEdges("inc", (s) => (s.n >= 3 ? END : "inc"))
      .compile({ checkpoint: { store } });
    await app.invoke({}, { executionId: "d" });
    const first = (await store.list("d"))[1];
    await app.updateState("d", { flag: "v" }, { checkpointId: first?.id });
    await app.invoke(null, { executionId: "d" });
    const before = (await store.list("d")).length;
    const again = await app.updateState("d", { flag: "v" }, { checkpointId: first?.id });
    expect(again.metadata.source).toBe("fork");
    expect((await store.list("d")).length).toBe(before + 1);
  });
});
