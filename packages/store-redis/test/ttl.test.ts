import { createCheckpointChain, createTestCheckpoint, uniqueId } from "@lg/store-testkit";
import { eventually, openNamespace, sleep, type Namespace } from "./helpers.js";

let ns: Namespace;
beforeEach(async () => {
  ns = await openNamespace();
});
afterEach(async () => {
  await ns.cleanup();
});

async function pttl(key: string): Promise<number> {
  return (await ns.command("PTTL", key)) as number;
}

/** Makes a checkpoint hash vanish the way expiry does, without waiting for it. */
async function expireNow(key: string): Promise<void> {
  await ns.command("PEXPIRE", key, 1);
  await eventually(async () => (await ns.command("EXISTS", key)) === 0);
}

async function indexMembers(executionIndexKey: string): Promise<string[]> {
  return (await ns.command("ZRANGE", executionIndexKey, 0, -1)) as string[];
}

describe("ttl", () => {
  it("sets the time to live on the data and the index, never on the executions index", async () => {
    const store = ns.store({ ttl: 60_000 });
    const cp = createTestCheckpoint({ executionId: uniqueId("ttl") });
    await store.save(cp);
    const data = await pttl(store.keys.checkpoint(cp.id));
    expect(data).toBeGreaterThan(55_000);
    expect(data).toBeLessThanOrEqual(60_000);
    // Absolute expiry instants, so the comparison does not depend on how long passes between two reads.
    const dataExpiresAt = Number(await ns.command("PEXPIRETIME", store.keys.checkpoint(cp.id)));
    const indexExpiresAt = Number(await ns.command("PEXPIRETIME", store.keys.executionIndex(cp.executionId)));
    expect(dataExpiresAt).toBeGreaterThan(0);
    expect(indexExpiresAt).toBeGreaterThanOrEqual(dataExpiresAt);
    expect(await pttl(store.keys.executions())).toBe(-1);
  });

  it("each save restarts the index's time to live so it outlives its newest member", async () => {
    const store = ns.store({ ttl: 60_000 });
    const [v1, v2] = createCheckpointChain(uniqueId("ttl"), 2) as [
      ReturnType<typeof createTestCheckpoint>,
      ReturnType<typeof createTestCheckpoint>,
    ];
    await store.save(v1);
    await ns.command("PEXPIRE", store.keys.executionIndex(v1.executionId), 1000); // as if saved long ago
    await store.save(v2);
    expect(await pttl(store.keys.executionIndex(v1.executionId))).toBeGreaterThan(55_000);
  });

  it("never shortens an index another store on the prefix gave a longer life, and a store without ttl makes it persistent", async () => {
    const long = ns.store({ ttl: 600_000 });
    const short = ns.store({ ttl: 60_000 });
    const forever = ns.store();
    const executionId = uniqueId("mixed");
    const [v1, v2, v3] = createCheckpointChain(executionId, 3);
    await long.save(v1!);
    await short.save(v2!);
    expect(await pttl(long.keys.executionIndex(executionId))).toBeGreaterThan(590_000);
    await forever.save(v3!);
    expect(await pttl(long.keys.executionIndex(executionId))).toBe(-1);
  });

  it("data and index really expire together: nothing of the execution is left", async () => {
    const store = ns.store({ ttl: 150 });
    const chain = createCheckpointChain(uniqueId("gone"), 3);
    for (const cp of chain) await store.save(cp);
    const executionId = chain[0]!.executionId;
    expect(await eventually(async () => (await ns.db.keys()).length === 1, 3000)).toBe(true);
    expect(await ns.db.keys()).toEqual([store.keys.executions()]); // only the entry listExecutions repairs lazily
    expect(await store.latest(executionId)).toBeUndefined();
    expect((await store.listExecutions()).executions).toEqual([]);
    expect(await ns.db.keys()).toEqual([]);
  });

  it("latest skips an expired newest checkpoint and removes it from the index", async () => {
    const store = ns.store({ ttl: 60_000 });
    const [v1, v2] = createCheckpointChain(uniqueId("lazy"), 2);
    await store.save(v1!);
    await store.save(v2!);
    await expireNow(store.keys.checkpoint(v2!.id));
    const index = store.keys.executionIndex(v1!.executionId);
    expect(await indexMembers(index)).toEqual([v1!.id, v2!.id]);
    expect(await store.latest(v1!.executionId)).toEqual(v1);
    expect(await indexMembers(index)).toEqual([v1!.id]);
  });

  it("list drops expired members, repairs the index, and still honours the limit", async () => {
    const store = ns.store({ ttl: 60_000 });
    const chain = createCheckpointChain(uniqueId("lazy"), 6);
    for (const cp of chain) await store.save(cp);
    for (const gone of [chain[1]!, chain[4]!, chain[5]!]) await expireNow(store.keys.checkpoint(gone.id));
    expect((await store.list(chain[0]!.executionId, { order: "desc", limit: 2 })).map((cp) => cp.version)).toEqual([
      4, 3,
    ]);
    expect((await store.list(chain[0]!.executionId)).map((cp) => cp.version)).toEqual([1, 3, 4]);
    expect(await indexMembers(store.keys.executionIndex(chain[0]!.executionId))).toEqual([
      chain[0]!.id,
      chain[2]!.id,
      chain[3]!.id,
    ]);
  });

  it("reads that meet more expired members than one script call repairs still answer correctly", async () => {
    const store = ns.store({ ttl: 60_000 });
    const executionId = uniqueId("many");
    const live = createTestCheckpoint({ executionId, version: 1 });
    await store.save(live);
    const index = store.keys.executionIndex(executionId);
    const dead: (string | number)[] = [];
    for (let version = 2; version <= 701; version++) dead.push(version, `expired-${version}`);
    await ns.command("ZADD", index, ...dead); // 700 members whose hashes are gone
    expect(await store.latest(executionId)).toEqual(live);
    expect(await ns.command("ZCARD", index)).toBe(1);
    await ns.command("ZADD", index, ...dead);
    expect(await store.list(executionId, { order: "desc" })).toEqual([live]);
    expect(await ns.command("ZCARD", index)).toBe(1);
  });

  it("each save drops expired members at the old end of the index, so an unread index stays small", async () => {
    const store = ns.store({ ttl: 60_000 });
    const chain = createCheckpointChain(uniqueId("sweep"), 5);
    for (const cp of chain.slice(0, 3)) await store.save(cp);
    for (const cp of chain.slice(0, 3)) await expireNow(store.keys.checkpoint(cp.id));
    const index = store.keys.executionIndex(chain[0]!.executionId);
    await store.save(chain[3]!);
    expect(await indexMembers(index)).toEqual([chain[2]!.id, chain[3]!.id]);
    await store.save(chain[4]!);
    expect(await indexMembers(index)).toEqual([chain[3]!.id, chain[4]!.id]);
  });

  it("an expired version can be saved again, while a live one still conflicts", async () => {
    const store = ns.store({ ttl: 60_000 });
    const executionId = uniqueId("reuse");
    const first = createTestCheckpoint({ executionId, version: 1, state: { n: 1 } });
    await store.save(first);
    await expect(store.save(createTestCheckpoint({ executionId, version: 1 }))).rejects.toThrow(
      /already has version 1/,
    );
    await expireNow(store.keys.checkpoint(first.id));
    const again = createTestCheckpoint({ executionId, version: 1, state: { n: 2 } });
    await store.save(again);
    expect(await store.list(executionId)).toEqual([again]);
  });

  it("an id reused by another execution after expiry is not listed under the old one", async () => {
    const store = ns.store({ ttl: 60_000 });
    const old = createTestCheckpoint({ executionId: uniqueId("old"), version: 1 });
    await store.save(old);
    await expireNow(store.keys.checkpoint(old.id));
    const reused = createTestCheckpoint({ executionId: uniqueId("new"), version: 4, id: old.id });
    await store.save(reused);
    expect(await store.latest(old.executionId)).toBeUndefined();
    expect(await store.list(old.executionId)).toEqual([]);
    await store.clear(old.executionId); // must not delete the other execution's hash
    expect(await store.load(old.id)).toEqual(reused);
    expect(await store.latest(reused.executionId)).toEqual(reused);
  });

  it("listExecutions drops executions whose checkpoints all expired and still pages correctly", async () => {
    const store = ns.store({ ttl: 60_000 });
    const base = uniqueId("page");
    const all = ["a", "b", "c", "d", "e", "f"].map((s) => createTestCheckpoint({ executionId: `${base}-${s}` }));
    for (const cp of all) await store.save(cp);
    for (const gone of [all[0]!, all[2]!, all[3]!]) await expireNow(store.keys.checkpoint(gone.id));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listExecutions(cursor === undefined ? { limit: 1 } : { limit: 1, cursor });
      expect(page.executions.length).toBeLessThanOrEqual(1);
      seen.push(...page.executions.map((e) => e.executionId));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(seen).toEqual([all[1]!, all[4]!, all[5]!].map((cp) => cp.executionId));
    expect(await ns.command("ZRANGE", store.keys.executions(), 0, -1)).toEqual(seen);
  });

  it("stats counts only live checkpoints and executions when checkpoints expire", async () => {
    const store = ns.store({ ttl: 60_000 });
    const chain = createCheckpointChain(uniqueId("stats"), 3);
    const alone = createTestCheckpoint({ executionId: uniqueId("stats") });
    for (const cp of [...chain, alone]) await store.save(cp);
    expect(await store.stats()).toEqual({ checkpoints: 4, executions: 2, estimated: true });
    await expireNow(store.keys.checkpoint(chain[0]!.id));
    await expireNow(store.keys.checkpoint(alone.id));
    expect(await store.stats()).toEqual({ checkpoints: 2, executions: 1, estimated: true });
  });

  describe("refreshOnRead", () => {
    it.each(["load", "latest", "list"] as const)(
      "%s restarts the time to live of what it returns and of the index",
      async (read) => {
        const store = ns.store({ ttl: 60_000, refreshOnRead: true });
        const cp = createTestCheckpoint({ executionId: uniqueId("refresh") });
        await store.save(cp);
        const dataKey = store.keys.checkpoint(cp.id);
        const indexKey = store.keys.executionIndex(cp.executionId);
        await ns.command("PEXPIRE", dataKey, 2000);
        await ns.command("PEXPIRE", indexKey, 2000);
        if (read === "load") expect(await store.load(cp.id)).toEqual(cp);
        if (read === "latest") expect(await store.latest(cp.executionId)).toEqual(cp);
        if (read === "list") expect(await store.list(cp.executionId)).toEqual([cp]);
        expect(await pttl(dataKey)).toBeGreaterThan(55_000);
        expect(await pttl(indexKey)).toBeGreaterThan(55_000);
      },
    );

    it("without ttl, refreshOnRead changes nothing (reads never set an expiry)", async () => {
      const store = ns.store({ refreshOnRead: true });
      const cp = createTestCheckpoint({ executionId: uniqueId("refresh-no-ttl") });
      await store.save(cp);
      expect(await store.load(cp.id)).toEqual(cp);
      expect(await store.latest(cp.executionId)).toEqual(cp);
      expect(await store.list(cp.executionId)).toEqual([cp]);
      expect(await store.load(cp.id)).toEqual(cp);
      expect(await pttl(store.keys.checkpoint(cp.id))).toBe(-1);
      expect(await pttl(store.keys.executionIndex(cp.executionId))).toBe(-1);
    });

    it("without refreshOnRead, reads leave the time to live running", async () => {
      const store = ns.store({ ttl: 60_000 });
      const cp = createTestCheckpoint({ executionId: uniqueId("norefresh") });
      await store.save(cp);
      await ns.command("PEXPIRE", store.keys.checkpoint(cp.id), 2000);
      await store.load(cp.id);
      await store.latest(cp.executionId);
      await store.list(cp.executionId);
      expect(await pttl(store.keys.checkpoint(cp.id))).toBeLessThanOrEqual(2000);
    });

    it("keeps a checkpoint that is read regularly alive past its time to live", async () => {
      const store = ns.store({ ttl: 1000, refreshOnRead: true });
      const cp = createTestCheckpoint({ executionId: uniqueId("alive") });
      await store.save(cp);
      for (let i = 0; i < 7; i++) {
        await sleep(200); // 1.4 s in all: without the refreshes it would have expired
        expect(await store.latest(cp.executionId)).toEqual(cp);
      }
    });
  });
});
