import {
  appendReducer,
  Command,
  END,
  GraphRecursionError,
  InvalidArgumentError,
  InvalidGraphError,
  NodeError,
  START,
  StateGraph,
} from "../src/index.js";
import type { CompiledGraph } from "../src/index.js";
import { pipeline } from "./support/graphs.js";
import { MapStore } from "./support/map-store.js";

describe("StateGraph execution", () => {
  it("runs a linear graph and merges updates through reducers", async () => {
    const result = await pipeline().invoke({});
    expect(result.status).toBe("done");
    expect(result.state).toEqual({ steps: ["step1", "step2", "step3"], count: 3 });
    expect(result.next).toEqual([]);
    expect(result.executionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("runs fan-out nodes concurrently and merges them in graph order, whatever finishes first", async () => {
    type S = { log: string[] };
    const started: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const slow = (name: string, ms: number) => async () => {
      started.push(name);
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running--;
      return { log: [name] };
    };
    const app = new StateGraph<S>({ channels: { log: { reducer: appendReducer, default: () => [] } } })
      .addNode("fan", () => ({ log: ["fan"] }))
      .addNode("a", slow("a", 30))
      .addNode("b", slow("b", 1))
      .addNode("c", slow("c", 15))
      .addNode("join", () => ({ log: ["join"] }))
      .addEdge(START, "fan")
      .addEdge("fan", "a")
      .addEdge("fan", "b")
      .addEdge("fan", "c")
      .addEdge("a", "join")
      .addEdge("b", "join")
      .addEdge("c", "join")
      .addEdge("join", END)
      .compile();
    const result = await app.invoke({});
    expect(maxRunning).toBe(3);
    expect(result.state.log).toEqual(["fan", "a", "b", "c", "join"]);
  });

  it("follows conditional edges evaluated on the merged state, with a path map", async () => {
    type S = { n: number; path: string[] };
    const app = new StateGraph<S>({ channels: { path: { reducer: appendReducer, default: () => [] } } })
      .addNode("inc", (s) => ({ n: s.n + 1, path: ["inc"] }))
      .addNode("done", () => ({ path: ["done"] }))
      .addEdge(START, "inc")
      .addConditionalEdges("inc", (s) => (s.n >= 3 ? "finish" : "again"), { finish: "done", again: "inc" })
      .addEdge("done", END)
      .compile();
    const result = await app.invoke({ n: 0 });
    expect(result.state).toEqual({ n: 3, path: ["inc", "inc", "inc", "done"] });
  });

  it("stops a cycle at the recursion limit with a clear error", async () => {
    const app = new StateGraph<{ n: number }>()
      .addNode("loop", (s) => ({ n: s.n + 1 }))
      .addEdge(START, "loop")
      .addEdge("loop", "loop")
      .compile({ recursionLimit: 5 });
    const error = await app.invoke({ n: 0 }, { executionId: "cyc" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphRecursionError);
    expect(error).toMatchObject({ code: "LG_RECURSION_LIMIT", limit: 5 });
    expect((error as Error).message).toMatch(/execution "cyc" reached the recursion limit of 5/);
    const ok = await app.invoke({ n: 0 }, { recursionLimit: 50 }).catch((e: unknown) => e);
    expect(ok).toBeInstanceOf(GraphRecursionError);
    expect((ok as GraphRecursionError).limit).toBe(50);
  });

  it("wraps a node's failure in NodeError naming node and execution", async () => {
    const app = new StateGraph<{ x: number }>()
      .addNode("boom", () => {
        throw new Error("kaput");
      })
      .addEdge(START, "boom")
      .compile();
    const error = await app.invoke({ x: 1 }, { executionId: "e-1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect(error).toMatchObject({ node: "boom", executionId: "e-1", code: "LG_NODE_FAILED" });
    expect((error as Error).message).toContain("kaput");
  });

  it.each([
    ["no entry point", (g: StateGraph<{ x: number }>) => g.addNode("a", () => ({})), /no entry point/],
    ["unknown edge target", (g: StateGraph<{ x: number }>) => g.addEdge(START, "ghost"), /unknown node "ghost"/],
    ["reserved name", (g: StateGraph<{ x: number }>) => g.addNode(END, () => ({})), /reserved/],
    [
      "duplicate node",
      (g: StateGraph<{ x: number }>) => g.addNode("a", () => ({})).addNode("a", () => ({})),
      /already defined/,
    ],
  ])("rejects an invalid graph: %s", (_name, build, message) => {
    expect(() => build(new StateGraph<{ x: number }>()).compile()).toThrow(InvalidGraphError);
    expect(() => build(new StateGraph<{ x: number }>()).compile()).toThrow(message);
  });

  it("rejects bad compile options", () => {
    const graph = () => new StateGraph<{ x: number }>().addNode("a", () => ({})).addEdge(START, "a");
    expect(() => graph().compile({ interruptBefore: ["nope"] })).toThrow(/interruptBefore names unknown node "nope"/);
    expect(() => graph().compile({ recursionLimit: 0 })).toThrow(/recursionLimit/);
  });

  it("rejects a router answer that is not a node", async () => {
    const app = new StateGraph<{ x: number }>()
      .addNode("a", () => ({}))
      .addEdge(START, "a")
      .addConditionalEdges("a", () => "nowhere")
      .compile();
    await expect(app.invoke({ x: 1 })).rejects.toThrow(/returned "nowhere", which is not a node/);
  });
});

describe("what a JavaScript caller gets wrong in building a graph", () => {
  const loose = (value: unknown): never => value as never;
  const node = (): StateGraph<{ x: number }> =>
    new StateGraph<{ x: number }>().addNode("a", () => ({})).addEdge(START, "a");

  it.each([
    ["null graph options", () => new StateGraph(loose(null)), /takes an object/],
    ["channels given as a number", () => new StateGraph(loose({ channels: 5 })), /channels must be an object/],
    [
      "a channel spec given as a string",
      () => new StateGraph(loose({ channels: { x: "sum" } })),
      /channel "x" must be an object/,
    ],
    [
      "a reducer that is not a function",
      () => new StateGraph(loose({ channels: { x: { reducer: 5 } } })),
      /reducer of channel "x" must be a function/,
    ],
    [
      "a default that is not a function",
      () => new StateGraph(loose({ channels: { x: { default: [] } } })),
      /default of channel "x" must be a function/,
    ],
    ["a path map given as a number", () => node().addConditionalEdges("a", () => END, loose(5)), /path map of "a"/],
    ["compile(null)", () => node().compile(loose(null)), /compile\(options\) takes an object/],
    ["a null checkpoint config", () => node().compile({ checkpoint: loose(null) }), /checkpoint must be an object/],
    [
      "autoSave given as a string",
      () => node().compile({ checkpoint: { store: loose({ save: () => undefined }), autoSave: loose("no") } }),
      /autoSave must be true or false/,
    ],
  ])("refuses %s with InvalidGraphError, not a TypeError or a silent default", (_title, build, message) => {
    expect(build).toThrow(InvalidGraphError);
    expect(build).toThrow(message);
  });

  it("refuses new Command(null) with InvalidArgumentError", () => {
    expect(() => new Command(loose(null))).toThrow(InvalidArgumentError);
  });
});

describe("what a JavaScript caller gets wrong in calling a compiled graph", () => {
  const loose = (value: unknown): never => value as never;

  it.each([
    [
      "invoke options null",
      (app: CompiledApp) => app.invoke({}, loose(null)),
      /invoke options must be an object, got null/,
    ],
    [
      "the execution id where invoke options go",
      (app: CompiledApp) => app.invoke(null, loose("run-1")),
      /pass \{ executionId: "run-1" \}/,
    ],
    [
      "stream options null",
      async (app: CompiledApp) => {
        for await (const part of app.stream({}, loose(null))) void part;
      },
      /stream options must be an object/,
    ],
    [
      "updateState options given as a string",
      (app: CompiledApp) => app.updateState("run-1", {}, loose("a")),
      /updateState options must be an object/,
    ],
    [
      "getState options null",
      (app: CompiledApp) => app.getState("run-1", undefined, loose(null)),
      /getState options must be an object/,
    ],
    [
      "getStateHistory options null",
      (app: CompiledApp) => app.getStateHistory("run-1", loose(null)),
      /getStateHistory options must be an object/,
    ],
  ])("refuses %s with InvalidArgumentError before anything runs", async (_title, call, message) => {
    const store = new MapStore();
    const app = new StateGraph<{ n: number }>()
      .addNode("a", () => ({ n: 1 }))
      .addEdge(START, "a")
      .compile({ checkpoint: { store } });
    await app.invoke({}, { executionId: "run-1" });
    const saved = await store.stats();
    const error = await (async (): Promise<unknown> => call(app))().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(message);
    expect(await store.stats()).toEqual(saved);
  });
});

type CompiledApp = CompiledGraph<{ n: number }>;
