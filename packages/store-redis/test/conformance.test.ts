import { redisForTests, runCheckpointStoreSpec, type RawStoreAccess, type RedisTestDatabase } from "@lg/store-testkit";
import { RedisCheckpointStore, FIELD } from "@lg/store-redis";

/**
 * The whole conformance spec on the test Redis. Each store opens its own connection (the default way the store is
 * used) under its own prefix inside this file's random namespace; one admin connection serves the raw hook and
 * the cleanup (bounded SCAN + UNLINK of the store's prefix, never FLUSHDB).
 */

let namespace: Promise<RedisTestDatabase> | undefined;
function db(): Promise<RedisTestDatabase> {
  return (namespace ??= redisForTests());
}

afterAll(async () => {
  if (namespace !== undefined) await (await namespace).cleanup();
});

let stores = 0;
async function createStore(ttl = 0): Promise<RedisCheckpointStore> {
  const { url, prefix } = await db();
  return new RedisCheckpointStore({ url, prefix: `${prefix}${++stores}:`, ttl });
}

async function dropKeys(prefix: string): Promise<void> {
  const { command } = await db();
  let cursor = "0";
  for (let round = 0; round < 10_000; round++) {
    const [next, keys] = (await command(["SCAN", cursor, "MATCH", `${prefix}*`, "COUNT", "1000"])) as [
      string,
      string[],
    ];
    if (keys.length > 0) await command(["UNLINK", ...keys]);
    cursor = next;
    if (cursor === "0") return;
  }
}

/** Reads and damages the checkpoint hash directly, bypassing the store's code. */
function rawAccess(store: RedisCheckpointStore): RawStoreAccess {
  return {
    async read(ref) {
      const fields = (await (await db()).command(["HGETALL", store.keys.checkpoint(ref.id)])) as string[];
      return fields.length === 0 ? undefined : fields;
    },
    async corrupt(ref) {
      // The checkpoint's data, and the state it holds (a full row's state, a delta row's channels written whole).
      const { command } = await db();
      const key = store.keys.checkpoint(ref.id);
      await command(["HSET", key, FIELD.data, "{not json"]);
      if ((await command(["HEXISTS", key, FIELD.state])) === 1) await command(["HSET", key, FIELD.state, "{not json"]);
    },
  };
}

runCheckpointStoreSpec<RedisCheckpointStore>({
  name: "redis",
  createStore: () => createStore(),
  destroyStore: async (store) => {
    await store.close();
    await dropKeys(store.prefix);
  },
  capabilities: RedisCheckpointStore.CAPABILITIES,
  registry: true,
  raw: rawAccess,
  openSameLocation: async (store) => new RedisCheckpointStore({ url: (await db()).url, prefix: store.prefix }),
  // Long enough that a save followed by a read is never slower than the expiry on a loaded machine.
  ttl: { createStore: () => createStore(2000), expiresWithinMs: 2000 },
  // Port 1 refuses connections: every call must fail with StoreUnavailableError, the password nowhere in it.
  unavailable: {
    createStore: () => new RedisCheckpointStore({ url: "redis://app:not-a-real-pw@127.0.0.1:1", connectTimeout: 2000 }),
    secret: "not-a-real-pw",
  },
  runner: { describe, it, beforeAll, afterAll },
});
