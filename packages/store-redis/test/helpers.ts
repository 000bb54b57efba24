import { redisForTests, type RedisTestDatabase } from "@lg/store-testkit";
import { RedisCheckpointStore, type RedisOptions } from "@lg/store-redis";

/** One test's key prefix on the shared Redis, with the stores opened on it. */
export interface Namespace {
  /** The testkit's namespace: url, prefix, raw commands, bounded SCAN of the prefix. */
  db: RedisTestDatabase;
  /** Opens a store on the namespace's prefix (closed by `cleanup`). */
  store(options?: Omit<RedisOptions, "url" | "prefix" | "addr" | "client">): RedisCheckpointStore;
  /** Sends a raw command and returns its reply. */
  command(...args: (string | number)[]): Promise<unknown>;
  /** Closes every store and deletes every key under the prefix. */
  cleanup(): Promise<void>;
}

/** A fresh random prefix on the test Redis (never FLUSHDB: other suites share the server). */
export async function openNamespace(): Promise<Namespace> {
  const db = await redisForTests();
  const stores: RedisCheckpointStore[] = [];
  return {
    db,
    store(options = {}) {
      const store = new RedisCheckpointStore({ ...options, url: db.url, prefix: db.prefix });
      stores.push(store);
      return store;
    },
    command: (...args) => db.command(args.map(String)),
    async cleanup() {
      for (const store of stores) await store.close();
      await db.cleanup();
    },
  };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 20 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
}

/** The fields of a hash as an object. */
export async function hashOf(ns: Namespace, key: string): Promise<Record<string, string>> {
  const flat = (await ns.command("HGETALL", key)) as string[];
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string;
  return out;
}

/** Reads a flat `[member, score, …]` reply into `[member, score]` pairs. */
export function pairs(reply: unknown): [string, number][] {
  const flat = reply as string[];
  const out: [string, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i] as string, Number(flat[i + 1])]);
  return out;
}

/**
 * Checks the store's invariants on what Redis really holds (bounded SCAN of the test prefix): every checkpoint hash
 * is in its execution's index (a hidden row: in its hidden rows) with its version as score, every delta row's link
 * names a row of its execution, every index member has its hash, every non-empty index is in the executions index
 * and every listed execution has an index.
 */
export async function expectConsistent(ns: Namespace, store: RedisCheckpointStore): Promise<{ checkpoints: number }> {
  const keys = await ns.db.keys();
  const dataKeys = keys.filter((key) => key.startsWith(store.keys.checkpoint("")));
  const indexPrefix = store.keys.executionIndex("").slice(0, -":checkpoints".length);
  const indexKeys = keys.filter((key) => key.startsWith(indexPrefix) && key.endsWith(":checkpoints"));
  const hiddenKeys = keys.filter((key) => key.startsWith(indexPrefix) && key.endsWith(":hidden"));
  const problems: string[] = [];
  for (const key of dataKeys) {
    const id = key.slice(store.keys.checkpoint("").length);
    const [executionId, data, hidden, link] = (await ns.command(
      "HMGET",
      key,
      "executionId",
      "data",
      "hidden",
      "link",
    )) as [string, string, string | null, string | null];
    const version = (JSON.parse(data) as { version: number }).version;
    const index = hidden === null ? store.keys.executionIndex(executionId) : store.keys.hiddenIndex(executionId);
    const score = await ns.command("ZSCORE", index, id);
    if (score !== String(version)) problems.push(`orphan data key ${key} (index score ${String(score)})`);
    if (link !== null && (await ns.command("HGET", store.keys.checkpoint(link), "executionId")) !== executionId)
      problems.push(`delta row ${key} links to missing row ${link}`);
  }
  const listed = new Set((await ns.command("ZRANGE", store.keys.executions(), 0, -1)) as string[]);
  for (const indexKey of indexKeys) {
    const executionId = indexKey.slice(indexPrefix.length, -":checkpoints".length);
    if (!listed.delete(executionId)) problems.push(`index ${indexKey} missing from the executions index`);
  }
  for (const indexKey of [...indexKeys, ...hiddenKeys]) {
    for (const [id] of pairs(await ns.command("ZRANGE", indexKey, 0, -1, "WITHSCORES"))) {
      if ((await ns.command("EXISTS", store.keys.checkpoint(id))) !== 1)
        problems.push(`dangling member ${id} of ${indexKey}`);
    }
  }
  for (const executionId of listed) problems.push(`executions index lists ${executionId} without an index`);
  expect(problems).toEqual([]);
  return { checkpoints: dataKeys.length };
}
