/**
 * Bad input to the store contract itself: ids, list / prune / listExecutions arguments and unstorable states, as a
 * JavaScript caller (no type checker) may pass them. Every call goes to the seeded store; none may change it.
 */
import type { Checkpoint, CheckpointStore } from "@lg/core";
import { createTestCheckpoint } from "@lg/store-testkit";
import { CONFLICT, INVALID, UNSTORABLE } from "./expectations.js";
import type { BadInputCase, CaseContext } from "./types.js";

/** A class no one registered with `registerType`: its instances cannot round-trip. */
class Unregistered {
  constructor(readonly secret = 1) {}
}

/** Calls a store method with arguments its types refuse, as JavaScript code may. */
function untyped(store: CheckpointStore): Record<string, (...args: unknown[]) => Promise<unknown>> {
  return store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
}

/** A valid checkpoint of a fresh execution with `patch` spread over it (typed loosely, as a JS caller's). */
function checkpointWith(ctx: CaseContext, patch: Record<string, unknown>): Checkpoint {
  return { ...createTestCheckpoint({ executionId: ctx.fresh("bad") }), ...patch } as unknown as Checkpoint;
}

function saveWith(name: string, call: string, patch: () => Record<string, unknown>): BadInputCase {
  return { name, area: "ids", call, expected: INVALID, run: (ctx) => ctx.store.save(checkpointWith(ctx, patch())) };
}

function stateCase(name: string, value: () => unknown): BadInputCase {
  return {
    name,
    area: "states",
    call: `store.save({ ...cp, state: { value: ${name} } })`,
    expected: UNSTORABLE,
    run: (ctx) => ctx.store.save(checkpointWith(ctx, { state: { value: value() } })),
  };
}

const cyclic = (): unknown => {
  const node: Record<string, unknown> = { name: "loop" };
  node.self = node;
  return node;
};

/** Ids: empty, lone surrogates, NUL where the backend cannot hold it, non-strings. */
export const ID_CASES: readonly BadInputCase[] = [
  saveWith("save: empty id", 'store.save({ ...cp, id: "" })', () => ({ id: "" })),
  saveWith("save: empty executionId", 'store.save({ ...cp, executionId: "" })', () => ({ executionId: "" })),
  saveWith("save: id with a lone high surrogate", 'store.save({ ...cp, id: "a\\uD800" })', () => ({ id: "a\ud800" })),
  saveWith("save: executionId with a lone low surrogate", 'store.save({ ...cp, executionId: "\\uDC00x" })', () => ({
    executionId: "\udc00x",
  })),
  saveWith("save: parentId with a lone surrogate", 'store.save({ ...cp, parentId: "p\\uD83D" })', () => ({
    parentId: "p\ud83d",
  })),
  saveWith("save: id given as a number", "store.save({ ...cp, id: 42 })", () => ({ id: 42 })),
  saveWith("save: executionId given as null", "store.save({ ...cp, executionId: null })", () => ({
    executionId: null,
  })),
  saveWith("save: version given as a BigInt", "store.save({ ...cp, version: 1n })", () => ({ version: 1n })),
  saveWith("save: version NaN", "store.save({ ...cp, version: NaN })", () => ({ version: Number.NaN })),
  saveWith("save: version above 2^53", "store.save({ ...cp, version: 2 ** 53 })", () => ({ version: 2 ** 53 })),
  {
    name: "save: a null checkpoint",
    area: "ids",
    call: "store.save(null)",
    expected: INVALID,
    run: (ctx) => untyped(ctx.store).save?.(null),
  },
  {
    name: "save: id with NUL",
    area: "ids",
    call: 'store.save({ ...cp, id: "a\\u0000b" })',
    expected: INVALID,
    // PostgreSQL TEXT cannot hold U+0000; the other backends store it and round-trip it (their ids tests say so).
    backends: ["postgres"],
    run: (ctx) => ctx.store.save(checkpointWith(ctx, { id: "a\u0000b" })),
  },
  {
    name: "save: executionId with NUL",
    area: "ids",
    call: 'store.save({ ...cp, executionId: "x\\u0000" })',
    expected: INVALID,
    backends: ["postgres"],
    run: (ctx) => ctx.store.save(checkpointWith(ctx, { executionId: "x\u0000" })),
  },
  { name: "load: empty id", area: "ids", call: 'store.load("")', expected: INVALID, run: (ctx) => ctx.store.load("") },
  {
    name: "load: id given as a number",
    area: "ids",
    call: "store.load(42)",
    expected: INVALID,
    run: (ctx) => untyped(ctx.store).load?.(42),
  },
  {
    name: "load: no id",
    area: "ids",
    call: "store.load()",
    expected: INVALID,
    run: (ctx) => untyped(ctx.store).load?.(),
  },
  {
    name: "latest: executionId null",
    area: "ids",
    call: "store.latest(null)",
    expected: INVALID,
    run: (ctx) => untyped(ctx.store).latest?.(null),
  },
  {
    name: "list: executionId given as an object",
    area: "ids",
    call: "store.list({})",
    expected: INVALID,
    run: (ctx) => untyped(ctx.store).list?.({}),
  },
  {
    name: "delete: empty id",
    area: "ids",
    call: 'store.delete("")',
    expected: INVALID,
    run: (ctx) => ctx.store.delete(""),
  },
  {
    name: "delete: id given as a number",
    area: "ids",
    call: "store.delete(7)",
    expected: INVALID,
    run: (ctx) => untyped(ctx.store).delete?.(7),
  },
  {
    name: "clear: executionId null",
    area: "ids",
    call: "store.clear(null)",
    expected: INVALID,
    run: (ctx) => untyped(ctx.store).clear?.(null),
  },
  {
    name: "clear: empty executionId",
    area: "ids",
    call: 'store.clear("")',
    expected: INVALID,
    run: (ctx) => ctx.store.clear(""),
  },
];

function listCase(title: string, options: Record<string, unknown> | unknown[]): BadInputCase {
  return {
    name: `list: ${title}`,
    area: "list and prune arguments",
    call: `store.list(seeded, ${JSON.stringify(options, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v))})`,
    expected: INVALID,
    run: (ctx) => untyped(ctx.store).list?.(ctx.seed.chainExecution, options),
  };
}

function pruneCase(title: string, options: unknown, call: string): BadInputCase {
  return {
    name: `prune: ${title}`,
    area: "list and prune arguments",
    call: `store.prune(seeded, ${call})`,
    expected: INVALID,
    run: (ctx) => {
      const prune = untyped(ctx.store).prune;
      if (prune === undefined) throw new Error(`${ctx.backend} has no native prune`);
      return prune.call(ctx.store, ctx.seed.chainExecution, options);
    },
  };
}

/** list, prune and listExecutions arguments outside the contract. */
export const ARGUMENT_CASES: readonly BadInputCase[] = [
  listCase("limit 0", { limit: 0 }),
  listCase("limit NaN", { limit: Number.NaN }),
  listCase("limit given as a string", { limit: "2" }),
  listCase("limit Infinity", { limit: Number.POSITIVE_INFINITY }),
  listCase("fractional afterVersion", { afterVersion: 1.5 }),
  listCase('order "newest"', { order: "newest" }),
  listCase("options given as an array", []),
  pruneCase("no keepLast and no olderThan", {}, "{}"),
  pruneCase("keepLast 0", { keepLast: 0 }, "{ keepLast: 0 }"),
  pruneCase("negative keepLast", { keepLast: -1 }, "{ keepLast: -1 }"),
  pruneCase("keepLast NaN", { keepLast: Number.NaN }, "{ keepLast: NaN }"),
  pruneCase("keepLast given as a string", { keepLast: "1" }, '{ keepLast: "1" }'),
  pruneCase("olderThan given as a number", { olderThan: Date.now() }, "{ olderThan: Date.now() }"),
  pruneCase("olderThan an invalid Date", { olderThan: new Date(Number.NaN) }, "{ olderThan: new Date(NaN) }"),
  pruneCase("protect given as a string", { keepLast: 1, protect: "id" }, '{ keepLast: 1, protect: "id" }'),
  {
    name: "listExecutions: limit 0",
    area: "list and prune arguments",
    call: "store.listExecutions({ limit: 0 })",
    expected: INVALID,
    run: (ctx) => ctx.store.listExecutions({ limit: 0 }),
  },
  {
    name: "listExecutions: cursor given as a number",
    area: "list and prune arguments",
    call: "store.listExecutions({ cursor: 5 })",
    expected: INVALID,
    run: (ctx) => untyped(ctx.store).listExecutions?.({ cursor: 5 }),
  },
];

/** States that cannot be stored: each is refused at save time, naming the path. */
export const STATE_CASES: readonly BadInputCase[] = [
  stateCase("a function", () => () => 1),
  stateCase("a symbol", () => Symbol("s")),
  stateCase("a cycle", cyclic),
  stateCase("an unregistered class instance", () => new Unregistered()),
  stateCase("a WeakMap", () => new WeakMap()),
  stateCase("a Promise", () => Promise.resolve(1)),
  {
    name: "a function in metadata",
    area: "states",
    call: "store.save({ ...cp, metadata: { hook: () => 1 } })",
    expected: UNSTORABLE,
    run: (ctx) => ctx.store.save(checkpointWith(ctx, { metadata: { hook: () => 1 } })),
  },
  {
    name: "metadata given as an array",
    area: "states",
    call: "store.save({ ...cp, metadata: [] })",
    expected: INVALID,
    run: (ctx) => ctx.store.save(checkpointWith(ctx, { metadata: [] })),
  },
  {
    name: "a re-save of a seeded id with another state",
    area: "states",
    call: "store.save({ ...seeded[0], state: other })",
    expected: CONFLICT,
    run: async (ctx) => {
      // Other content under a taken id is a conflict, never an overwrite.
      const stored = await ctx.store.load(ctx.seed.chainIds[0] as string);
      if (stored === undefined) throw new Error("the seeded checkpoint is missing");
      return ctx.store.save({ ...stored, state: { replaced: true } });
    },
  },
];
