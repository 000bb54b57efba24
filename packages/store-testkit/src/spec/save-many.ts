import { CheckpointConflictError, SerializationError, type Checkpoint, type CheckpointStore } from "@lg/core";
import { copyCheckpoint, createCheckpointChain, createTestCheckpoint, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import {
  expectCheckpoint,
  expectErrorIs,
  expectRejects,
  expectResolves,
  expectTrue,
  expectVersions,
  nth,
} from "./expect.js";
import type { SpecOptions } from "./options.js";

const CONFLICT = { type: CheckpointConflictError, code: "LG_CHECKPOINT_CONFLICT" } as const;
const UNSERIALIZABLE = { type: SerializationError, code: "LG_SERIALIZATION" } as const;

/** The store's `saveMany`; fails the check when a store declaring `batchSave` has none. */
function saveManyOf(store: CheckpointStore): (checkpoints: readonly Checkpoint[]) => Promise<void> {
  const saveMany = store.saveMany;
  expectTrue(typeof saveMany === "function", "a store that declares batchSave must have a saveMany method");
  return (checkpoints) => saveMany.call(store, checkpoints);
}

/** Fails unless the execution holds exactly `versions`, each loading as the matching checkpoint of `expected`. */
async function expectStored(store: CheckpointStore, expected: readonly Checkpoint[], rule: string): Promise<void> {
  const executionId = nth(expected, 0).executionId;
  expectVersions(
    await store.list(executionId),
    expected.map((cp) => cp.version),
    rule,
  );
  for (const cp of expected) expectCheckpoint(await store.load(cp.id), cp, rule);
}

/**
 * `saveMany` (capability `batchSave`): every item round-trips as `save` would store it; an empty batch writes
 * nothing; a batch saved again, in part or whole, is a no-op for its stored items; a conflict with a stored
 * checkpoint or between two items rejects with `CheckpointConflictError` naming the first conflicting item and
 * writes nothing of the batch; an invalid item rejects with `SerializationError` before anything is written; the
 * store keeps no reference to the items; of two concurrent batches claiming one version, exactly one is written.
 */
export function saveManySpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("saveMany", () => {
    ctx.testNeeding("batchSave", "saves every item of a batch, losslessly", async (store) => {
      const chain = createCheckpointChain(uniqueId("batch"), 5, (version) => ({
        version,
        when: new Date(Date.UTC(2026, 0, version)),
        tags: new Set(["a", version]),
        counts: new Map([["n", BigInt(version)]]),
        nothing: undefined,
      }));
      await expectResolves(saveManyOf(store)(chain), "saveMany(five checkpoints)");
      await expectStored(store, chain, "every item saved by saveMany must load exactly as given");
    });

    ctx.testNeeding("batchSave", "an empty batch resolves and writes nothing", async (store) => {
      await expectResolves(saveManyOf(store)([]), "saveMany([])");
      const probe = createTestCheckpoint({ executionId: uniqueId("batch") });
      expectTrue((await store.load(probe.id)) === undefined, "an empty batch must write nothing");
    });

    ctx.testNeeding(
      "batchSave",
      "a batch saved again, whole or with new items, is a no-op for stored items",
      async (store) => {
        const chain = createCheckpointChain(uniqueId("batch"), 6);
        const saveMany = saveManyOf(store);
        await saveMany(chain.slice(0, 3));
        await expectResolves(
          saveMany(chain.slice(0, 3).map((cp) => copyCheckpoint(cp))),
          "saveMany of a stored batch again",
        );
        await expectResolves(saveMany(chain), "saveMany of a batch whose first half is stored");
        await expectStored(store, chain, "a re-saved batch must leave one checkpoint per version");
      },
    );

    ctx.testNeeding("batchSave", "identical items within one batch are saved once", async (store) => {
      const cp = createTestCheckpoint({ executionId: uniqueId("batch"), version: 1 });
      await expectResolves(saveManyOf(store)([cp, copyCheckpoint(cp)]), "saveMany with the same checkpoint twice");
      await expectStored(store, [cp], "a checkpoint given twice in one batch must be stored once");
    });

    ctx.testNeeding(
      "batchSave",
      "a conflict with a stored checkpoint rejects and writes nothing of the batch",
      async (store) => {
        const chain = createCheckpointChain(uniqueId("batch"), 4);
        const stored = nth(chain, 2);
        await store.save(stored);
        const rival = createTestCheckpoint({
          executionId: stored.executionId,
          version: stored.version,
          nodeName: "rival",
        });
        const batch = [nth(chain, 0), nth(chain, 1), rival, nth(chain, 3)];
        const error = await expectRejects(
          saveManyOf(store)(batch),
          CONFLICT,
          "saveMany with an item at a taken version",
        );
        const conflict = error as CheckpointConflictError;
        expectTrue(
          conflict.executionId === rival.executionId && conflict.version === rival.version,
          `the conflict must name the conflicting item (${rival.executionId} v${rival.version}), got ` +
            `${String(conflict.executionId)} v${String(conflict.version)}`,
        );
        await expectStored(store, [stored], "a batch that conflicts must write none of its items");
      },
    );

    ctx.testNeeding("batchSave", "two items at one version with different content conflict", async (store) => {
      const executionId = uniqueId("batch");
      const first = createTestCheckpoint({ executionId, version: 1 });
      const second = createTestCheckpoint({ executionId, version: 2 });
      const rival = createTestCheckpoint({ executionId, version: 2, nodeName: "rival" });
      await expectRejects(saveManyOf(store)([first, second, rival]), CONFLICT, "saveMany with two items at version 2");
      expectVersions(await store.list(executionId), [], "a batch that conflicts with itself must write nothing");
    });

    ctx.testNeeding("batchSave", "an invalid item rejects before anything is written", async (store) => {
      const chain = createCheckpointChain(uniqueId("batch"), 3);
      nth(chain, 2).state = { callback: () => undefined };
      let rejection: unknown;
      await saveManyOf(store)(chain).catch((error: unknown) => {
        rejection = error;
      });
      expectErrorIs(rejection, UNSERIALIZABLE, "saveMany with a function in the state of its last item");
      expectVersions(
        await store.list(nth(chain, 0).executionId),
        [],
        "a batch with an invalid item must write nothing",
      );
    });

    ctx.testNeeding("batchSave", "keeps no reference to the items", async (store) => {
      const cp = createTestCheckpoint({ executionId: uniqueId("batch"), state: { list: [1, 2] } });
      const expected = copyCheckpoint(cp);
      await saveManyOf(store)([cp]);
      (cp.state as { list: number[] }).list.push(3);
      cp.next.push("mutated");
      expectCheckpoint(
        await store.load(cp.id),
        expected,
        "mutating an item after saveMany must not change what is stored",
      );
    });

    ctx.testNeeding(
      "batchSave",
      "of two concurrent batches claiming one version, exactly one is written",
      async (store) => {
        const executionId = uniqueId("batch");
        const batches = ["left", "right"].map((nodeName) =>
          [1, 2, 3].map((version) => createTestCheckpoint({ executionId, version, nodeName })),
        );
        const saveMany = saveManyOf(store);
        const outcomes = await Promise.allSettled(batches.map((batch) => saveMany(batch)));
        const won = outcomes.findIndex((outcome) => outcome.status === "fulfilled");
        const lost = outcomes.filter((outcome) => outcome.status === "rejected");
        expectTrue(
          won !== -1 && lost.length === 1,
          `exactly one of two rival batches must succeed, got ${outcomes.map((o) => o.status).join(", ")}`,
        );
        expectErrorIs((nth(lost, 0) as PromiseRejectedResult).reason, CONFLICT, "the losing batch");
        await expectStored(store, nth(batches, won), "the winning batch is stored whole and nothing of the other");
      },
    );
  });
}
