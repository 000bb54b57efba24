import type { CheckpointStore } from "@lg/core";
import { readSeeded, type Harness } from "./harness.js";
import { describeError, expectedOf, isExpected, settle, type CaseOutcome } from "./outcome.js";
import { freshId } from "./seed.js";
import type { BadInputCase, CaseContext, Prepared, Seed } from "./types.js";

/** What is stored, twice: the backend's own dump of everything, and the seeded executions read through the store. */
async function snapshot(harness: Harness, seed: Seed): Promise<string> {
  return `${await harness.dump()}\n${await readSeeded(harness.store, seed)}`;
}

/**
 * Runs one case on one backend: `prepare` (damage, for the corrupt-data cases), a snapshot, the call, a second
 * snapshot. The outcome says whether the call ended in the expected typed error and whether the snapshots match.
 * Stores a case opened through `openWith` are closed here, and the damage of a corrupt-data case removed, whatever
 * the case did.
 */
export async function runCase(c: BadInputCase, harness: Harness, seed: Seed): Promise<CaseOutcome> {
  const opened: CheckpointStore[] = [];
  const ctx: CaseContext = {
    backend: harness.backend,
    store: harness.store,
    seed,
    raw: harness.raw,
    fresh: freshId,
    openWith: async (options) => {
      const store = await harness.openWith(options);
      opened.push(store);
      return store;
    },
  };
  let prepared: Prepared = {};
  try {
    prepared = c.prepare === undefined ? {} : await c.prepare(ctx);
    const before = await snapshot(harness, seed);
    const started = performance.now();
    const result = await settle(() => c.run(ctx, prepared));
    const ms = performance.now() - started;
    const after = await snapshot(harness, seed);
    const expected = expectedOf(c, harness.backend);
    return {
      name: c.name,
      area: c.area,
      backend: harness.backend,
      expected: { type: expected.type.name, code: expected.code },
      got: "error" in result ? describeError(result.error) : "accepted",
      typed: "error" in result && isExpected(result.error, expected),
      unchanged: before === after,
      ms,
    };
  } finally {
    for (const store of opened) await store.close().catch(() => undefined);
    await harness.forget(prepared);
  }
}
