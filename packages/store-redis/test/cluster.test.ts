import { randomBytes } from "node:crypto";
import { CheckpointConflictError } from "@lg/core";
import { createCheckpointChain, createTestCheckpoint, runCheckpointStoreSpec, uniqueId } from "@lg/store-testkit";
import { FIELD, RedisCheckpointStore, hashTagOf } from "@lg/store-redis";
import { startPrivateCluster, type PrivateCluster } from "./private-cluster.js";

/**
 * Redis Cluster, on three private masters: the claims of the README's "Redis Cluster" section, then the whole
 * conformance spec through a cluster client.
 */

let started: Promise<PrivateCluster> | undefined;
/** Started on first use (the spec asks for a store while it registers its tests, before any hook runs). */
function cluster(): Promise<PrivateCluster> {
  return (started ??= startPrivateCluster());
}

afterAll(async () => {
  if (started !== undefined) await (await started).dispose();
}, 30_000);

function taggedPrefix(): string {
  return `lg_test:{${randomBytes(6).toString("hex")}}:`;
}

async function slotOf(key: string): Promise<number> {
  return (await (await cluster()).onNode(0, "CLUSTER", "KEYSLOT", key)) as number;
}

/** Keys under `prefix` on every node (bounded SCAN per node). */
async function keysByNode(prefix: string): Promise<string[][]> {
  const c = await cluster();
  const result: string[][] = [];
  for (let node = 0; node < c.nodes.length; node++) {
    const keys: string[] = [];
    let cursor = "0";
    for (let round = 0; round < 1000; round++) {
      const [next, batch] = (await c.onNode(
        node,
        "SCAN",
        cursor,
        "MATCH",
        `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`,
        "COUNT",
        1000,
      )) as [string, string[]];
      keys.push(...batch);
      cursor = next;
      if (cursor === "0") break;
    }
    result.push(keys);
  }
  return result;
}

async function dropPrefix(prefix: string): Promise<void> {
  const c = await cluster();
  const byNode = await keysByNode(prefix);
  for (let node = 0; node < byNode.length; node++) {
    for (const key of byNode[node] as string[]) await c.onNode(node, "DEL", key);
  }
}

const AWKWARD_IDS = ["plain", "a{b}c", "{x}", "}{", "{", "}", "漢字{🚀}", "*{?}[x]"];

describe("Redis Cluster", () => {
  it("with a hash-tagged prefix, every key a save or the registry touches is in the tag's slot, whatever the ids hold", async () => {
    for (const prefix of ["{lg}:", "app:{tenant-7}:", "{a}{b}:"]) {
      const store = new RedisCheckpointStore({ prefix, client: (await cluster()).client });
      const slot = await slotOf(hashTagOf(prefix) as string);
      for (const id of AWKWARD_IDS) {
        for (const executionId of AWKWARD_IDS) {
          const keys = [
            store.keys.checkpoint(id),
            store.keys.executionIndex(executionId),
            store.keys.executions(),
            store.keys.run(executionId),
            store.keys.runs(),
            store.keys.runsWithStatus("queued"),
            store.keys.claimable(id, executionId),
            store.keys.changesChannel(),
          ];
          for (const key of keys) expect([key, await slotOf(key)]).toEqual([key, slot]);
        }
      }
    }
  });

  it("without a hash tag, the keys of one save fall into different slots: why such a prefix is refused", async () => {
    const store = new RedisCheckpointStore({ prefix: "langgraph:" });
    const slots = new Set<number>();
    for (const key of [store.keys.checkpoint("cp-1"), store.keys.executionIndex("exec-1"), store.keys.executions()]) {
      slots.add(await slotOf(key));
    }
    expect(slots.size).toBeGreaterThan(1);
    const c = await cluster();
    await expect(
      c.client.sendCommand(store.keys.executions(), false, [
        "EVAL",
        "return 1",
        "2",
        store.keys.checkpoint("cp-1"),
        store.keys.executions(),
      ]),
    ).rejects.toThrow(/CROSSSLOT/);
    await store.close();
  });

  it("a store on a cluster client keeps all its keys on the one master that owns its tag", async () => {
    const c = await cluster();
    const prefix = taggedPrefix();
    const store = new RedisCheckpointStore({ prefix, client: c.client, ttl: 60_000 });
    try {
      const chain = createCheckpointChain(uniqueId("cl"), 5);
      const other = createTestCheckpoint({ executionId: "a{b}c" });
      for (const cp of [...chain, other]) await store.save(cp);
      expect(await store.latest(chain[0]!.executionId)).toEqual(chain[4]);
      expect((await store.list(chain[0]!.executionId, { order: "desc", limit: 2 })).map((cp) => cp.version)).toEqual([
        5, 4,
      ]);
      expect(await store.prune(chain[0]!.executionId, { keepLast: 2 })).toBe(3);
      await store.delete(chain[4]!.id);
      expect((await store.latest(chain[0]!.executionId))?.version).toBe(4);
      expect((await store.listExecutions()).executions.map((e) => e.executionId).sort()).toEqual(
        [chain[0]!.executionId, other.executionId].sort(),
      );
      expect(await store.stats()).toEqual({ checkpoints: 2, executions: 2, estimated: true }); // the store has a ttl
      const owner = c.nodeOfSlot(await slotOf(hashTagOf(prefix) as string));
      // latest took the native SORT … GET path: Redis Cluster allows its patterns because they carry the tag
      expect(String(await c.onNode(owner, "INFO", "commandstats"))).toMatch(/cmdstat_sort:calls=[1-9]/);
      const byNode = await keysByNode(prefix);
      expect(byNode.map((keys) => keys.length)).toEqual(byNode.map((_, node) => (node === owner ? 5 : 0)));
      await store.clear(chain[0]!.executionId);
      await store.clear(other.executionId);
      expect((await keysByNode(prefix)).flat()).toEqual([]);
    } finally {
      await store.close();
      await dropPrefix(prefix);
    }
  });

  it("two tagged prefixes can live on different masters, each store atomic on its own", async () => {
    const c = await cluster();
    const owners = new Map<number, string>();
    while (owners.size < 2) {
      const prefix = taggedPrefix();
      owners.set(c.nodeOfSlot(await slotOf(hashTagOf(prefix) as string)), prefix);
    }
    for (const prefix of owners.values()) {
      const store = new RedisCheckpointStore({ prefix, client: c.client });
      try {
        const executionId = uniqueId("shard");
        const racers = Array.from({ length: 8 }, (_, i) =>
          createTestCheckpoint({ executionId, version: 1, state: { i } }),
        );
        const results = await Promise.allSettled(racers.map((cp) => store.save(cp)));
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(CheckpointConflictError);
      } finally {
        await store.close();
        await dropPrefix(prefix);
      }
    }
  });
});

/** The whole conformance spec through one shared cluster client, a fresh tagged prefix per store. */
runCheckpointStoreSpec<RedisCheckpointStore>({
  name: "redis (cluster client, 3 masters)",
  createStore: async () => new RedisCheckpointStore({ client: (await cluster()).client, prefix: taggedPrefix() }),
  destroyStore: async (store) => {
    await store.close();
    await dropPrefix(store.prefix);
  },
  capabilities: RedisCheckpointStore.CAPABILITIES,
  registry: true,
  raw: (store) => ({
    async read(ref) {
      const key = store.keys.checkpoint(ref.id);
      const fields = (await (await cluster()).client.sendCommand(key, true, ["HGETALL", key])) as string[];
      return fields.length === 0 ? undefined : fields;
    },
    async corrupt(ref) {
      // The checkpoint's data, and the state it holds (a full row's state, a delta row's channels written whole).
      const key = store.keys.checkpoint(ref.id);
      const { client } = await cluster();
      await client.sendCommand(key, false, ["HSET", key, FIELD.data, "{not json"]);
      if (((await client.sendCommand(key, false, ["HEXISTS", key, FIELD.state])) as unknown) === 1)
        await client.sendCommand(key, false, ["HSET", key, FIELD.state, "{not json"]);
    },
  }),
  openSameLocation: async (store) =>
    new RedisCheckpointStore({ client: (await cluster()).client, prefix: store.prefix }),
  ttl: {
    createStore: async () =>
      new RedisCheckpointStore({ client: (await cluster()).client, prefix: taggedPrefix(), ttl: 300 }),
    expiresWithinMs: 300,
  },
  runner: { describe, it, beforeAll, afterAll },
});
