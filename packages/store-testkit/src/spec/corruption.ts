import { CheckpointCorruptError, type Checkpoint, type CheckpointStore } from "@lg/core";
import { createCheckpointChain, createTestCheckpoint, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { expectCheckpoint, expectRejects, expectResolves, expectTrue, nth } from "./expect.js";
import type { RawStoreAccess, SpecOptions, StoredCheckpointRef } from "./options.js";

const CORRUPT = { type: CheckpointCorruptError, code: "LG_CHECKPOINT_CORRUPT" } as const;

function refOf(cp: Checkpoint): StoredCheckpointRef {
  return { id: cp.id, executionId: cp.executionId, version: cp.version };
}

async function corruptNewest(store: CheckpointStore, raw: RawStoreAccess): Promise<Checkpoint[]> {
  const chain = createCheckpointChain(uniqueId("corrupt"), 3);
  for (const cp of chain) await store.save(cp);
  await raw.corrupt(refOf(nth(chain, 2)));
  return chain;
}

/**
 * Stored data, checked through the `raw` hook (these run only when it is given): `save` really writes a record,
 * `delete` and `clear` really remove it; a corrupted record makes `load`, `latest` and `list` reject with
 * `CheckpointCorruptError` naming the checkpoint (never a raw `SyntaxError`), leaves other checkpoints readable,
 * and can be deleted.
 */
export function corruptionSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("stored data and corruption (raw hook)", () => {
    ctx.testWithRaw("save writes a record the backend holds", async (store, raw) => {
      const cp = createTestCheckpoint({ executionId: uniqueId("raw") });
      expectTrue((await raw.read(refOf(cp))) === undefined, "raw.read must yield undefined before save");
      await store.save(cp);
      const record = await raw.read(refOf(cp));
      expectTrue(record !== undefined && record !== null, "after save the backend must hold a record for the id");
    });

    ctx.testWithRaw("delete and clear remove the stored records", async (store, raw) => {
      const chain = createCheckpointChain(uniqueId("raw"), 3);
      for (const cp of chain) await store.save(cp);
      await store.delete(nth(chain, 0).id);
      expectTrue((await raw.read(refOf(nth(chain, 0)))) === undefined, "delete must remove the stored record");
      await store.clear(nth(chain, 0).executionId);
      for (const cp of chain) {
        expectTrue(
          (await raw.read(refOf(cp))) === undefined,
          `clear must remove the stored record of version ${cp.version}`,
        );
      }
    });

    ctx.testWithRaw("load of a corrupted checkpoint rejects with CheckpointCorruptError", async (store, raw) => {
      const chain = await corruptNewest(store, raw);
      const broken = nth(chain, 2);
      const error = await expectRejects(store.load(broken.id), CORRUPT, "load of a corrupted checkpoint");
      const named = (error as CheckpointCorruptError).checkpointId;
      expectTrue(named === broken.id, `CheckpointCorruptError must name the checkpoint id, got ${String(named)}`);
    });

    ctx.testWithRaw("latest rejects with CheckpointCorruptError when the newest is corrupted", async (store, raw) => {
      const chain = await corruptNewest(store, raw);
      await expectRejects(
        store.latest(nth(chain, 0).executionId),
        CORRUPT,
        "latest over a corrupted newest checkpoint",
      );
    });

    ctx.testWithRaw("list rejects with CheckpointCorruptError when it meets a corrupted one", async (store, raw) => {
      const chain = await corruptNewest(store, raw);
      await expectRejects(store.list(nth(chain, 0).executionId), CORRUPT, "list over a corrupted checkpoint");
    });

    ctx.testWithRaw("corruption stays contained and the corrupted checkpoint can be deleted", async (store, raw) => {
      const other = createTestCheckpoint({ executionId: uniqueId("healthy") });
      await store.save(other);
      const chain = await corruptNewest(store, raw);
      expectCheckpoint(await store.load(nth(chain, 0).id), nth(chain, 0), "an intact checkpoint of the same execution");
      expectCheckpoint(await store.latest(other.executionId), other, "another execution's latest");
      await expectResolves(store.delete(nth(chain, 2).id), "delete of the corrupted checkpoint");
      expectTrue((await store.load(nth(chain, 2).id)) === undefined, "the corrupted checkpoint must be gone");
      expectCheckpoint(await store.latest(nth(chain, 0).executionId), nth(chain, 1), "latest falls back to version 2");
    });
  });
}
