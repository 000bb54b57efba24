import { InvalidArgumentError, type Checkpoint, type CheckpointStore, type PruneOptions } from "@lg/core";
import { pruneCheckpoints } from "@lg/core/store";
import { createCheckpointChain, createTestCheckpoint, FIXTURE_EPOCH, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { call, expectRejects, expectTrue, expectVersions, nth } from "./expect.js";
import type { SpecOptions } from "./options.js";

/** Timestamp cut-off between versions 5 and 6 of a fixture chain (timestamps are one second apart). */
const BETWEEN_5_AND_6 = new Date(FIXTURE_EPOCH + 5500);

async function savedChain(store: CheckpointStore, count = 10): Promise<Checkpoint[]> {
  const chain = createCheckpointChain(uniqueId("prune"), count);
  for (const cp of chain) await store.save(cp);
  return chain;
}

function describePrune(options: PruneOptions): string {
  const parts: string[] = [];
  if (options.keepLast !== undefined) parts.push(`keepLast ${options.keepLast}`);
  if (options.olderThan !== undefined) parts.push(`olderThan ${options.olderThan.toISOString()}`);
  if (options.protect !== undefined) parts.push(`protect ${options.protect.length} ids`);
  return parts.join(", ");
}

/** Prunes and checks both the returned count and what is left. */
async function expectPrune(
  store: CheckpointStore,
  executionId: string,
  options: PruneOptions,
  remaining: number[],
  total: number,
): Promise<void> {
  const what = `prune(${describePrune(options)}) of versions 1..${total}`;
  const deleted = await pruneCheckpoints(store, executionId, options);
  expectVersions(await store.list(executionId), remaining, `${what} must keep`);
  expectTrue(
    deleted === total - remaining.length,
    `${what} must return the number deleted (${total - remaining.length}), got ${String(deleted)}`,
  );
}

/**
 * `prune` (native, or the core fallback `pruneCheckpoints` when the store has none): `keepLast` keeps the newest
 * N by version; `olderThan` deletes only strictly older timestamps (one equal to it stays); together a checkpoint goes only when both allow it;
 * the newest and `protect`ed ids always stay; the count returned is the number deleted; other executions and
 * unknown executions are untouched; invalid options reject with `InvalidArgumentError`. With `nativePrune`, the
 * store's own `prune` method exists and is what runs.
 */
export function pruneSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("prune", () => {
    ctx.test("keepLast keeps the newest N", async (store) => {
      const chain = await savedChain(store);
      await expectPrune(store, nth(chain, 0).executionId, { keepLast: 3 }, [8, 9, 10], 10);
    });

    ctx.test("olderThan deletes only checkpoints with an older timestamp", async (store) => {
      const chain = await savedChain(store);
      await expectPrune(store, nth(chain, 0).executionId, { olderThan: BETWEEN_5_AND_6 }, [6, 7, 8, 9, 10], 10);
    });

    ctx.test("olderThan equal to a checkpoint's timestamp keeps that checkpoint", async (store) => {
      const chain = await savedChain(store);
      const olderThan = new Date(nth(chain, 5).timestamp.getTime());
      await expectPrune(store, nth(chain, 0).executionId, { olderThan }, [6, 7, 8, 9, 10], 10);
    });

    ctx.test("keepLast with olderThan deletes only what both rules allow", async (store) => {
      const chain = await savedChain(store);
      const options = { keepLast: 8, olderThan: BETWEEN_5_AND_6 };
      await expectPrune(store, nth(chain, 0).executionId, options, [3, 4, 5, 6, 7, 8, 9, 10], 10);
    });

    ctx.test("the newest checkpoint always survives", async (store) => {
      const chain = await savedChain(store);
      await expectPrune(store, nth(chain, 0).executionId, { olderThan: new Date(8.64e15) }, [10], 10);
    });

    ctx.test("protected ids survive", async (store) => {
      const chain = await savedChain(store);
      const protect = [nth(chain, 1).id, nth(chain, 4).id];
      await expectPrune(store, nth(chain, 0).executionId, { keepLast: 1, protect }, [2, 5, 10], 10);
    });

    ctx.test("keepLast counts by version, not by insertion order", async (store) => {
      const executionId = uniqueId("prune");
      for (const version of [5, 1, 4, 2, 3]) await store.save(createTestCheckpoint({ executionId, version }));
      await expectPrune(store, executionId, { keepLast: 2 }, [4, 5], 5);
    });

    ctx.test("keepLast at or above the count deletes nothing", async (store) => {
      const chain = await savedChain(store, 4);
      await expectPrune(store, nth(chain, 0).executionId, { keepLast: 4 }, [1, 2, 3, 4], 4);
    });

    ctx.test("other executions are untouched and an unknown execution prunes 0", async (store) => {
      const mine = await savedChain(store, 5);
      const other = await savedChain(store, 5);
      await pruneCheckpoints(store, nth(mine, 0).executionId, { keepLast: 1 });
      expectVersions(await store.list(nth(other, 0).executionId), [1, 2, 3, 4, 5], "prune(A) must leave B intact");
      const none = await pruneCheckpoints(store, uniqueId("prune-missing"), { keepLast: 1 });
      expectTrue(none === 0, `prune of an unknown execution must return 0, got ${String(none)}`);
    });

    for (const [title, bad] of [
      ["no rule", {}],
      ["keepLast 0", { keepLast: 0 }],
      ["an invalid olderThan", { olderThan: new Date(Number.NaN) }],
    ] as const) {
      ctx.test(`rejects ${title} with InvalidArgumentError`, async (store) => {
        const chain = await savedChain(store, 3);
        const executionId = nth(chain, 0).executionId;
        await expectRejects(
          call("prune", () => pruneCheckpoints(store, executionId, bad as PruneOptions)),
          { type: InvalidArgumentError, code: "LG_INVALID_ARGUMENT" },
          `prune with ${title}`,
        );
        expectVersions(await store.list(executionId), [1, 2, 3], "a rejected prune must delete nothing");
      });
    }

    ctx.testNeeding("nativePrune", "the store implements prune itself", async (store) => {
      expectTrue(typeof store.prune === "function", "a store declaring nativePrune must have a prune method");
      const chain = await savedChain(store, 6);
      const deleted = await store.prune(nth(chain, 0).executionId, { keepLast: 2 });
      expectTrue(deleted === 4, `store.prune(keepLast 2) of 6 must return 4, got ${String(deleted)}`);
      expectVersions(await store.list(nth(chain, 0).executionId), [5, 6], "store.prune(keepLast 2) must keep");
    });
  });
}
