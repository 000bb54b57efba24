/**
 * Bad input to the runtime: graph building and compile options, invoke options, `updateState` and `Command`
 * misuse, and unstorable values reaching the store through a run. Each is refused before anything is saved.
 */
import { Command, START, StateGraph, type CompileOptions, type InvokeOptions } from "@lg/core";
import { BAD_GRAPH, INVALID, NOT_FOUND, UNSTORABLE } from "./expectations.js";
import { seedGraph, type SeedState } from "./seed-graph.js";
import type { BadInputCase, CaseContext } from "./types.js";

type Builder = StateGraph<SeedState>;

/** A fresh builder with the nodes `a` and `b` (no edges). */
function builder(): Builder {
  return new StateGraph<SeedState>({ channels: { count: { default: () => 0 } } })
    .addNode("a", () => ({}))
    .addNode("b", () => ({}));
}

/** Loosely typed access to the builder, as a JavaScript caller has it. */
function loose(b: Builder): Record<string, (...args: unknown[]) => unknown> {
  return b as unknown as Record<string, (...args: unknown[]) => unknown>;
}

function buildCase(name: string, call: string, build: (ctx: CaseContext) => unknown): BadInputCase {
  return { name, area: "graph building", call, expected: BAD_GRAPH, run: build };
}

function compileCase(name: string, call: string, options: (ctx: CaseContext) => Record<string, unknown>): BadInputCase {
  return buildCase(name, call, (ctx) =>
    builder()
      .addEdge(START, "a")
      .compile(options(ctx) as CompileOptions),
  );
}

function invokeCase(name: string, call: string, options: (ctx: CaseContext) => Record<string, unknown>): BadInputCase {
  return {
    name,
    area: "invoke options",
    call,
    expected: INVALID,
    run: (ctx) => seedGraph(ctx.store).invoke({}, { executionId: ctx.fresh("inv"), ...options(ctx) } as InvokeOptions),
  };
}

function inputCase(name: string, value: () => unknown): BadInputCase {
  return {
    name: `invoke input holding ${name}`,
    area: "states",
    call: `app.invoke({ extra: ${name} }, { executionId: fresh })`,
    expected: UNSTORABLE,
    run: (ctx) => seedGraph(ctx.store).invoke({ extra: value() }, { executionId: ctx.fresh("state") }),
  };
}

/** Graph definitions and compile options the builder refuses. */
export const BUILD_CASES: readonly BadInputCase[] = [
  buildCase('node name with "#"', 'addNode("a#1", fn)', () => builder().addNode("a#1", () => ({}))),
  buildCase("reserved node name", 'addNode("__start__", fn)', () => builder().addNode("__start__", () => ({}))),
  buildCase("empty node name", 'addNode("", fn)', () => builder().addNode("", () => ({}))),
  buildCase("node name given as a number", "addNode(42, fn)", () => loose(builder()).addNode?.(42, () => ({}))),
  buildCase("duplicate node name", 'addNode("a", fn) twice', () => builder().addNode("a", () => ({}))),
  buildCase("node that is not a function", 'addNode("c", "run")', () => loose(builder()).addNode?.("c", "run")),
  buildCase("router that is not a function", 'addConditionalEdges("a", "b")', () =>
    loose(builder()).addConditionalEdges?.("a", "b"),
  ),
  buildCase("graph options null", "new StateGraph(null)", () => new StateGraph(null as never)),
  buildCase(
    "channels given as a number",
    "new StateGraph({ channels: 5 })",
    () => new StateGraph({ channels: 5 as never }),
  ),
  buildCase(
    "reducer that is not a function",
    "new StateGraph({ channels: { count: { reducer: 5 } } })",
    () => new StateGraph({ channels: { count: { reducer: 5 as never } } }),
  ),
  buildCase(
    "channel default that is not a function",
    "new StateGraph({ channels: { count: { default: 0 } } })",
    () => new StateGraph({ channels: { count: { default: 0 as never } } }),
  ),
  buildCase("path map given as a number", 'addConditionalEdges("a", r, 5)', () =>
    loose(builder()).addConditionalEdges?.("a", () => "b", 5),
  ),
  buildCase("retry with maxAttempts 0", 'addNode("c", fn, { retry: { maxAttempts: 0 } })', () =>
    builder().addNode("c", () => ({}), { retry: { maxAttempts: 0 } }),
  ),
  buildCase("node timeoutMs negative", 'addNode("c", fn, { timeoutMs: -1 })', () =>
    builder().addNode("c", () => ({}), { timeoutMs: -1 }),
  ),
  buildCase("node options given as a string", 'addNode("c", fn, "fast")', () =>
    loose(builder()).addNode?.("c", () => ({}), "fast"),
  ),
  buildCase("compile(null)", "compile(null)", () =>
    builder()
      .addEdge(START, "a")
      .compile(null as never),
  ),
  buildCase("edge to an unknown node", 'addEdge("a", "ghost").compile()', () =>
    builder().addEdge(START, "a").addEdge("a", "ghost").compile(),
  ),
  buildCase("edge from an unknown node", 'addEdge("ghost", "a").compile()', () =>
    builder().addEdge(START, "a").addEdge("ghost", "a").compile(),
  ),
  buildCase("conditional path to an unknown node", 'addConditionalEdges("a", r, ["ghost"]).compile()', () =>
    builder()
      .addEdge(START, "a")
      .addConditionalEdges("a", () => "ghost", ["ghost"])
      .compile(),
  ),
  buildCase("no entry point", "compile() without an edge from START", () => builder().compile()),
  compileCase("interruptBefore an unknown node", 'compile({ interruptBefore: ["ghost"] })', () => ({
    interruptBefore: ["ghost"],
  })),
  compileCase("recursionLimit 0 at compile", "compile({ recursionLimit: 0 })", () => ({ recursionLimit: 0 })),
  compileCase("maxCheckpoints 0", "compile({ checkpoint: { store, maxCheckpoints: 0 } })", (ctx) => ({
    checkpoint: { store: ctx.store, maxCheckpoints: 0 },
  })),
  compileCase("maxCheckpoints NaN", "compile({ checkpoint: { store, maxCheckpoints: NaN } })", (ctx) => ({
    checkpoint: { store: ctx.store, maxCheckpoints: Number.NaN },
  })),
  compileCase("maxCheckpoints given as a string", 'compile({ checkpoint: { store, maxCheckpoints: "5" } })', (ctx) => ({
    checkpoint: { store: ctx.store, maxCheckpoints: "5" },
  })),
  compileCase("negative saveInterval", "compile({ checkpoint: { store, saveInterval: -1 } })", (ctx) => ({
    checkpoint: { store: ctx.store, saveInterval: -1 },
  })),
  compileCase("saveInterval NaN", "compile({ checkpoint: { store, saveInterval: NaN } })", (ctx) => ({
    checkpoint: { store: ctx.store, saveInterval: Number.NaN },
  })),
  compileCase("checkpoint config null", "compile({ checkpoint: null })", () => ({ checkpoint: null })),
  compileCase("autoSave given as a string", 'compile({ checkpoint: { store, autoSave: "no" } })', (ctx) => ({
    checkpoint: { store: ctx.store, autoSave: "no" },
  })),
  compileCase("a store that is not a store", "compile({ checkpoint: { store: {} } })", () => ({
    checkpoint: { store: {} },
  })),
  compileCase("nodeTimeoutMs negative", "compile({ nodeTimeoutMs: -5 })", () => ({ nodeTimeoutMs: -5 })),
  compileCase("nodeTimeoutMs given as a string", 'compile({ nodeTimeoutMs: "100" })', () => ({ nodeTimeoutMs: "100" })),
  compileCase("maxFanOut 0", "compile({ maxFanOut: 0 })", () => ({ maxFanOut: 0 })),
];

/** invoke and stream options refused before the run saves anything. */
export const INVOKE_CASES: readonly BadInputCase[] = [
  invokeCase("recursionLimit 0", "app.invoke({}, { recursionLimit: 0 })", () => ({ recursionLimit: 0 })),
  invokeCase("recursionLimit NaN", "app.invoke({}, { recursionLimit: NaN })", () => ({ recursionLimit: Number.NaN })),
  invokeCase("recursionLimit 2.5", "app.invoke({}, { recursionLimit: 2.5 })", () => ({ recursionLimit: 2.5 })),
  invokeCase("recursionLimit given as a BigInt", "app.invoke({}, { recursionLimit: 10n })", () => ({
    recursionLimit: 10n,
  })),
  invokeCase('idempotencyKey starting with "auto:"', 'app.invoke({}, { idempotencyKey: "auto:x" })', () => ({
    idempotencyKey: "auto:x",
  })),
  invokeCase("empty idempotencyKey", 'app.invoke({}, { idempotencyKey: "" })', () => ({ idempotencyKey: "" })),
  invokeCase("empty executionId", 'app.invoke({}, { executionId: "" })', () => ({ executionId: "" })),
  invokeCase("executionId given as a number", "app.invoke({}, { executionId: 42 })", () => ({ executionId: 42 })),
  invokeCase("executionId with a lone surrogate", 'app.invoke({}, { executionId: "run\\uD800" })', () => ({
    executionId: "run\ud800",
  })),
  invokeCase("empty checkpointId", 'app.invoke({}, { checkpointId: "" })', () => ({ checkpointId: "" })),
  invokeCase("metadata with a reserved key", "app.invoke({}, { metadata: { step: 99 } })", () => ({
    metadata: { step: 99 },
  })),
  invokeCase("metadata given as an array", "app.invoke({}, { metadata: [] })", () => ({ metadata: [] })),
  invokeCase("signal that is not an AbortSignal", "app.invoke({}, { signal: {} })", () => ({ signal: {} })),
  {
    name: "options null",
    area: "invoke options",
    call: "app.invoke({}, null)",
    expected: INVALID,
    run: (ctx) => seedGraph(ctx.store).invoke({}, null as never),
  },
  {
    name: "the execution id where the options go",
    area: "invoke options",
    call: "app.invoke(null, done)",
    expected: INVALID,
    run: (ctx) => seedGraph(ctx.store).invoke(null, ctx.seed.doneExecution as never),
  },
  {
    name: "getStateHistory options null",
    area: "invoke options",
    call: "app.getStateHistory(done, null)",
    expected: INVALID,
    run: (ctx) => seedGraph(ctx.store).getStateHistory(ctx.seed.doneExecution, null as never),
  },
  {
    name: "input given as a string",
    area: "invoke options",
    call: 'app.invoke("go", { executionId: fresh })',
    expected: INVALID,
    run: (ctx) => seedGraph(ctx.store).invoke("go" as unknown as SeedState, { executionId: ctx.fresh("inv") }),
  },
  {
    name: "unknown streamMode",
    area: "invoke options",
    call: 'app.stream({}, { streamMode: "everything" })',
    expected: INVALID,
    run: async (ctx) => {
      const options = { executionId: ctx.fresh("inv"), streamMode: "everything" } as unknown as InvokeOptions;
      for await (const part of seedGraph(ctx.store).stream({}, options)) void part;
    },
  },
  {
    name: "resume of an execution that does not exist",
    area: "invoke options",
    call: "app.invoke(null, { executionId: unknown })",
    expected: NOT_FOUND,
    run: (ctx) => seedGraph(ctx.store).invoke(null, { executionId: ctx.fresh("ghost") }),
  },
  {
    name: "checkpointId of another execution",
    area: "invoke options",
    call: "app.invoke({}, { executionId: done, checkpointId: chain[0] })",
    expected: NOT_FOUND,
    run: (ctx) =>
      seedGraph(ctx.store).invoke(
        {},
        { executionId: ctx.seed.doneExecution, checkpointId: ctx.seed.chainIds[0] as string },
      ),
  },
];

/** updateState and Command misuse on the seeded executions. */
export const UPDATE_CASES: readonly BadInputCase[] = [
  {
    name: "updateState of an execution that does not exist",
    area: "updateState and Command",
    call: "app.updateState(unknown, { count: 1 })",
    expected: NOT_FOUND,
    run: (ctx) => seedGraph(ctx.store).updateState(ctx.fresh("ghost"), { count: 1 }),
  },
  {
    name: "updateState with null values",
    area: "updateState and Command",
    call: "app.updateState(done, null)",
    expected: INVALID,
    run: (ctx) => seedGraph(ctx.store).updateState(ctx.seed.doneExecution, null as unknown as SeedState),
  },
  {
    name: "updateState with an array",
    area: "updateState and Command",
    call: "app.updateState(done, [1])",
    expected: INVALID,
    run: (ctx) => seedGraph(ctx.store).updateState(ctx.seed.doneExecution, [1] as unknown as SeedState),
  },
  {
    name: "updateState asNode an unknown node",
    area: "updateState and Command",
    call: 'app.updateState(done, { count: 9 }, { asNode: "ghost" })',
    expected: INVALID,
    run: (ctx) => seedGraph(ctx.store).updateState(ctx.seed.doneExecution, { count: 9 }, { asNode: "ghost" }),
  },
  {
    name: 'updateState idempotencyKey starting with "auto:"',
    area: "updateState and Command",
    call: 'app.updateState(done, { count: 9 }, { idempotencyKey: "auto:1" })',
    expected: INVALID,
    run: (ctx) => seedGraph(ctx.store).updateState(ctx.seed.doneExecution, { count: 9 }, { idempotencyKey: "auto:1" }),
  },
  {
    name: "updateState from a checkpoint of another execution",
    area: "updateState and Command",
    call: "app.updateState(done, { count: 9 }, { checkpointId: chain[0] })",
    expected: NOT_FOUND,
    run: (ctx) =>
      seedGraph(ctx.store).updateState(
        ctx.seed.doneExecution,
        { count: 9 },
        { checkpointId: ctx.seed.chainIds[0] as string },
      ),
  },
  {
    name: "updateState with a function value",
    area: "updateState and Command",
    call: "app.updateState(done, { extra: () => 1 })",
    expected: UNSTORABLE,
    run: (ctx) => seedGraph(ctx.store).updateState(ctx.seed.doneExecution, { extra: () => 1 }),
  },
  {
    name: "updateState options given as a string",
    area: "updateState and Command",
    call: 'app.updateState(done, { count: 9 }, "draft")',
    expected: INVALID,
    run: (ctx) => seedGraph(ctx.store).updateState(ctx.seed.doneExecution, { count: 9 }, "draft" as never),
  },
  {
    name: "updateState with executionId given as a number",
    area: "updateState and Command",
    call: "app.updateState(7, { count: 1 })",
    expected: INVALID,
    run: (ctx) => seedGraph(ctx.store).updateState(7 as unknown as string, { count: 1 }),
  },
  {
    name: "Command built from null",
    area: "updateState and Command",
    call: "new Command(null)",
    expected: INVALID,
    run: () => new Command(null as never),
  },
  {
    name: "Command resume with nothing pending",
    area: "updateState and Command",
    call: 'app.invoke(new Command({ resume: "yes" }), { executionId: done })',
    expected: INVALID,
    run: (ctx) => seedGraph(ctx.store).invoke(new Command({ resume: "yes" }), { executionId: ctx.seed.doneExecution }),
  },
  {
    name: "Command goto as invoke input",
    area: "updateState and Command",
    call: 'app.invoke(new Command({ goto: "draft" }), { executionId: paused })',
    expected: INVALID,
    run: (ctx) =>
      seedGraph(ctx.store).invoke(new Command({ goto: "draft" }), { executionId: ctx.seed.pausedExecution }),
  },
  {
    name: "Command update given as a string",
    area: "updateState and Command",
    call: 'app.invoke(new Command({ update: "x" }), { executionId: paused })',
    expected: INVALID,
    run: (ctx) =>
      seedGraph(ctx.store).invoke(new Command({ update: "x" as unknown as SeedState }), {
        executionId: ctx.seed.pausedExecution,
      }),
  },
  {
    name: 'Command idempotencyKey starting with "auto:"',
    area: "updateState and Command",
    call: 'app.invoke(new Command({ resume: "ok", update: { count: 5 }, idempotencyKey: "auto:k" }), { executionId: paused })',
    expected: INVALID,
    run: (ctx) =>
      seedGraph(ctx.store).invoke(new Command({ resume: "ok", update: { count: 5 }, idempotencyKey: "auto:k" }), {
        executionId: ctx.seed.pausedExecution,
      }),
  },
  {
    name: "Command update holding a symbol",
    area: "updateState and Command",
    call: 'app.invoke(new Command({ resume: "ok", update: { extra: Symbol() } }), { executionId: paused })',
    expected: UNSTORABLE,
    run: (ctx) =>
      seedGraph(ctx.store).invoke(new Command({ resume: "ok", update: { extra: Symbol("s") } }), {
        executionId: ctx.seed.pausedExecution,
      }),
  },
];

/** Unstorable values handed to a run: the first save refuses them and the new execution stays empty. */
export const RUN_STATE_CASES: readonly BadInputCase[] = [
  inputCase("a function", () => () => 1),
  inputCase("a cycle", () => {
    const loop: Record<string, unknown> = {};
    loop.loop = loop;
    return loop;
  }),
  inputCase(
    "an unregistered class instance",
    () =>
      new (class Money {
        constructor(readonly cents = 5) {}
      })(),
  ),
];
