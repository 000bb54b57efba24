import { CheckpointCorruptError, type Checkpoint } from "@lg/core";
import { FIELD, type RedisCheckpointStore } from "@lg/store-redis";
import { createCheckpointChain, uniqueId } from "@lg/store-testkit";
import { openNamespace, type Namespace } from "./helpers.js";

/**
 * A checkpoint hash holding only one of its `data` and `executionId` fields was damaged outside the store (a save
 * writes both, expiry removes the whole hash). Reads must say so, naming the checkpoint, instead of treating it as
 * absent or expired: that hid the checkpoint (load said "not found", latest fell back to the previous version)
 * and removed it from the execution index on a read.
 */
let ns: Namespace | undefined;
beforeEach(async () => {
  ns = await openNamespace();
});
afterEach(async () => {
  await ns?.cleanup();
});

/**
 * Saves three checkpoints and removes `field` from the newest one's hash (a field it does not have removes nothing);
 * returns the chain and the index before.
 */
async function damageNewest(
  store: RedisCheckpointStore,
  field: string,
): Promise<{ chain: Checkpoint[]; newest: Checkpoint; indexBefore: unknown }> {
  if (ns === undefined) throw new Error("no namespace");
  const chain = createCheckpointChain(uniqueId("damaged \n id"), 3);
  for (const cp of chain) await store.save(cp);
  const newest = chain[2];
  if (newest === undefined) throw new Error("the chain has three checkpoints");
  await ns.command("HDEL", store.keys.checkpoint(newest.id), field);
  return {
    chain,
    newest,
    indexBefore: await ns.command("ZRANGE", store.keys.executionIndex(newest.executionId), 0, -1),
  };
}

const DAMAGE = [
  ["its data field removed", FIELD.data],
  ["its executionId field removed", FIELD.executionId],
] as const;

describe.each([
  ["without refreshOnRead", {}],
  ["with refreshOnRead", { ttl: 60_000, refreshOnRead: true }],
])("a checkpoint hash damaged underneath the store (%s)", (_title, options) => {
  it.each(DAMAGE)(
    "with %s: load, latest and list reject with CheckpointCorruptError naming it",
    async (_label, field) => {
      if (ns === undefined) throw new Error("no namespace");
      const store = ns.store(options);
      const { chain, newest, indexBefore } = await damageNewest(store, field);

      for (const read of [
        () => store.load(newest.id),
        () => store.latest(newest.executionId),
        () => store.list(newest.executionId),
      ]) {
        const error = await read().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(CheckpointCorruptError);
        expect((error as CheckpointCorruptError).checkpointId).toBe(newest.id);
        expect((error as CheckpointCorruptError).message).toMatch(
          /lacks one of its fields \(data, executionId, timestamp\)/,
        );
      }
      // Nothing was repaired away: the damaged checkpoint is still indexed, and it can be deleted.
      expect(await ns.command("ZRANGE", store.keys.executionIndex(newest.executionId), 0, -1)).toEqual(indexBefore);
      await store.delete(newest.id);
      expect((await store.latest(newest.executionId))?.id).toBe(chain[1]?.id);
    },
  );
});

it.each([
  ["its timestamp", FIELD.timestamp],
  ["its executionId", FIELD.executionId],
])(
  "listExecutions rejects with CheckpointCorruptError when the newest checkpoint's hash lacks %s",
  async (_label, field) => {
    if (ns === undefined) throw new Error("no namespace");
    const store = ns.store();
    const { newest, indexBefore } = await damageNewest(store, field);
    // Before, the execution was listed as updated at 1970-01-01, or the checkpoint was removed from its index.
    const error = await store.listExecutions().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CheckpointCorruptError);
    expect((error as CheckpointCorruptError).checkpointId).toBe(newest.id);
    expect(await ns.command("ZRANGE", store.keys.executionIndex(newest.executionId), 0, -1)).toEqual(indexBefore);
  },
);

it("list rejects with CheckpointCorruptError when a checkpoint's data holds another version than its index", async () => {
  if (ns === undefined) throw new Error("no namespace");
  const store = ns.store();
  const { newest } = await damageNewest(store, "none");
  const key = store.keys.checkpoint(newest.id);
  const data = JSON.parse(String(await ns.command("HGET", key, FIELD.data))) as { version: number };
  await ns.command("HSET", key, FIELD.data, JSON.stringify({ ...data, version: 7 }));
  // Before, the list held versions 1, 2, 7 with 7 in the place of 3.
  const error = await store.list(newest.executionId).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CheckpointCorruptError);
  expect((error as CheckpointCorruptError).checkpointId).toBe(newest.id);
  expect((error as CheckpointCorruptError).message).toMatch(/holds version 7, its execution index 3/);
});
