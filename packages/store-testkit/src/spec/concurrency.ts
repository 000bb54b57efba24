import { CheckpointConflictError, type Checkpoint, type CheckpointStore } from "@lg/core";
import { copyCheckpoint, createTestCheckpoint, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { expectCheckpoint, expectErrorIs, expectTrue, expectVersions, fail } from "./expect.js";
import type { SpecOptions } from "./options.js";

const CONFLICT = { type: CheckpointConflictError, code: "LG_CHECKPOINT_CONFLICT" } as const;

/** Saves every candidate at once on its store and checks that exactly one won and the others got a conflict. */
async function expectExactlyOneWinner(
  stores: readonly CheckpointStore[],
  candidates: readonly Checkpoint[],
  what: string,
): Promise<Checkpoint> {
  const results = await Promise.allSettled(
    candidates.map((cp, i) => (stores[i % stores.length] as CheckpointStore).save(cp)),
  );
  const winners = candidates.filter((_, i) => results[i]?.status === "fulfilled");
  expectTrue(
    winners.length === 1,
    `${what}: exactly one of ${candidates.length} concurrent saves of the same (executionId, version) must ` +
      `succeed, but ${winners.length} did — the store decides by a read-then-write race instead of atomically`,
  );
  results.forEach((result, i) => {
    if (result.status === "rejected") expectErrorIs(result.reason, CONFLICT, `${what}: losing save #${i + 1}`);
  });
  return winners[0] as Checkpoint;
}

/**
 * Concurrency: N writers saving the same `(executionId, version)` at once → exactly one succeeds, the rest get
 * `CheckpointConflictError` (instanceof and code), `latest` returns the winner and the losers are not stored;
 * concurrent saves of different versions or executions all succeed and none is lost; concurrent identical
 * re-saves all succeed; with `multiProcess`, the same holds across two store instances.
 */
export function concurrencySpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  const savers = options.concurrentSavers ?? 8;
  ctx.suite("concurrency", () => {
    ctx.test(`${savers} concurrent savers of one (executionId, version): exactly one wins`, async (store) => {
      const executionId = uniqueId("race");
      await store.save(createTestCheckpoint({ executionId, version: 1 }));
      const candidates = Array.from({ length: savers }, (_, i) =>
        createTestCheckpoint({ executionId, version: 2, state: { writer: i } }),
      );
      const winner = await expectExactlyOneWinner([store], candidates, "one store");
      expectCheckpoint(await store.latest(executionId), winner, "latest must return the winning save");
      expectVersions(await store.list(executionId), [1, 2], "list after the race must hold one version 2");
      for (const loser of candidates.filter((cp) => cp !== winner)) {
        expectTrue((await store.load(loser.id)) === undefined, `losing checkpoint ${loser.id} must not be stored`);
      }
    });

    ctx.test("concurrent saves of different versions all land", async (store) => {
      const executionId = uniqueId("parallel");
      const versions = Array.from({ length: 20 }, (_, i) => i + 1);
      const results = await Promise.allSettled(
        versions.map((version) => store.save(createTestCheckpoint({ executionId, version }))),
      );
      const failed = results.flatMap((r, i) => (r.status === "rejected" ? [`${i + 1}: ${String(r.reason)}`] : []));
      if (failed.length > 0)
        fail(`concurrent saves of distinct versions must all succeed; failed: ${failed.join("; ")}`);
      expectVersions(await store.list(executionId), versions, "no concurrently saved version may be lost");
      const latest = await store.latest(executionId);
      expectTrue(latest?.version === 20, `latest after 20 concurrent saves must be version 20, got ${latest?.version}`);
    });

    ctx.test("concurrent saves to different executions all land", async (store) => {
      const checkpoints = Array.from({ length: savers }, () =>
        createTestCheckpoint({ executionId: uniqueId("parallel"), version: 1 }),
      );
      await Promise.all(checkpoints.map((cp) => store.save(cp)));
      for (const cp of checkpoints) expectCheckpoint(await store.latest(cp.executionId), cp, "each execution's save");
    });

    ctx.test("concurrent identical re-saves all succeed and store one checkpoint", async (store) => {
      const cp = createTestCheckpoint({ executionId: uniqueId("idempotent"), version: 1 });
      const results = await Promise.allSettled(Array.from({ length: savers }, () => store.save(copyCheckpoint(cp))));
      const rejected = results.filter((r) => r.status === "rejected");
      expectTrue(
        rejected.length === 0,
        `saving identical content concurrently must be idempotent, but ${rejected.length} of ${savers} rejected: ` +
          String((rejected[0] as PromiseRejectedResult | undefined)?.reason),
      );
      expectVersions(await store.list(cp.executionId), [1], "identical concurrent saves must store one checkpoint");
    });

    ctx.testNeeding("multiProcess", "two store instances racing: exactly one wins", async (store) => {
      const open = options.openSameLocation;
      if (open === undefined) fail("the multiProcess check needs the openSameLocation option");
      const second = await open(store);
      try {
        const executionId = uniqueId("race2");
        const candidates = Array.from({ length: savers }, (_, i) =>
          createTestCheckpoint({ executionId, version: 1, state: { writer: i } }),
        );
        const winner = await expectExactlyOneWinner([store, second], candidates, "two instances");
        expectCheckpoint(await second.latest(executionId), winner, "the other instance must see the winner");
        expectCheckpoint(await store.latest(executionId), winner, "the first instance must see the winner");
      } finally {
        await second.close(); // not destroyStore: it may drop the namespace both instances share
      }
    });
  });
}
