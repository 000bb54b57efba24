import { createCheckpointChain, createTestCheckpoint, uniqueId } from "@lg/store-testkit";
import { RedisCheckpointStore, type RedisOptions } from "@lg/store-redis";
import { createClient } from "redis";
import { PrivateRedis } from "./private-redis.js";
import { LATEST } from "../src/scripts.js";

/**
 * How `latest` reaches Redis, counted with `INFO commandstats` on a server of the test's own (so that no other
 * client's commands are counted): one native `SORT … GET` normally, the Lua script when it must repair or refresh,
 * or when the server refuses the SORT form.
 */

let server: PrivateRedis;
let admin: ReturnType<typeof createClient>;
const stores: RedisCheckpointStore[] = [];

beforeAll(async () => {
  server = await PrivateRedis.start();
  admin = createClient({ url: server.url });
  admin.on("error", () => undefined);
  await admin.connect();
  await admin.sendCommand(["ACL", "SETUSER", "prefixed", "on", ">pw", "~lg:*", "+@all"]);
  await admin.sendCommand(["ACL", "SETUSER", "nosort", "on", ">pw", "~*", "+@all", "-sort"]);
  await admin.sendCommand(["SCRIPT", "LOAD", LATEST.source]); // so a first use counts as one EVALSHA
});

afterAll(async () => {
  for (const store of stores) await store.close();
  await admin?.close();
  await server?.dispose();
});

function open(options: Omit<RedisOptions, "addr"> = {}): RedisCheckpointStore {
  const store = new RedisCheckpointStore({ addr: `127.0.0.1:${server.port}`, prefix: "lg:", ...options });
  stores.push(store);
  return store;
}

/** Calls per command name while `body` runs (the store's connection is open before, so no handshake counts). */
async function commandsDuring(body: () => Promise<void>): Promise<Record<string, number>> {
  await admin.sendCommand(["CONFIG", "RESETSTAT"]);
  await body();
  const stats = (await admin.sendCommand(["INFO", "commandstats"])) as string;
  const calls: Record<string, number> = {};
  for (const match of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[match[1] as string] = Number(match[2]);
  delete calls.info;
  delete calls["config|resetstat"];
  return calls;
}

describe("latest", () => {
  it("is one SORT command, no script, whatever the history length", async () => {
    const store = open();
    const executionId = uniqueId("long");
    const chain = createCheckpointChain(executionId, 2000);
    for (const cp of chain) await store.save(cp);
    await store.ping();
    const calls = await commandsDuring(async () => {
      expect(await store.latest(executionId)).toEqual(chain[1999]);
      expect(await store.latest(uniqueId("none"))).toBeUndefined();
    });
    expect(calls).toEqual({ sort: 2 });
  });

  it("falls back to the repairing script only when the newest member expired", async () => {
    const store = open({ ttl: 60_000 });
    const [v1, v2] = createCheckpointChain(uniqueId("expired"), 2);
    await store.save(v1!);
    await store.save(v2!);
    await admin.sendCommand(["DEL", store.keys.checkpoint(v2!.id)]); // as if it had expired
    const calls = await commandsDuring(async () => {
      expect(await store.latest(v1!.executionId)).toEqual(v1);
      expect(await store.latest(v1!.executionId)).toEqual(v1);
    });
    expect(calls).toEqual({ sort: 2, evalsha: 1, zrevrange: 2, hmget: 2, zrem: 1 });
  });

  it("with refreshOnRead, is the script (it must restart the time to live)", async () => {
    const store = open({ ttl: 60_000, refreshOnRead: true });
    const cp = createTestCheckpoint({ executionId: uniqueId("refresh") });
    await store.save(cp);
    const calls = await commandsDuring(async () => {
      expect(await store.latest(cp.executionId)).toEqual(cp);
    });
    expect(calls.sort).toBeUndefined();
    expect(calls.evalsha).toBe(1);
  });

  it.each([
    ["a user limited to the prefix's keys (Redis refuses SORT GET patterns then)", "prefixed"],
    ["a user without the SORT command", "nosort"],
  ])("for %s, switches to the script for good and stays correct", async (_title, username) => {
    const store = open({ username, password: "pw" });
    const chain = createCheckpointChain(uniqueId("acl"), 3);
    for (const cp of chain) await store.save(cp);
    expect(await store.latest(chain[0]!.executionId)).toEqual(chain[2]);
    const calls = await commandsDuring(async () => {
      expect(await store.latest(chain[0]!.executionId)).toEqual(chain[2]);
    });
    expect(calls).toEqual({ evalsha: 1, zrevrange: 1, hmget: 1 });
  });
});

describe("commands sent", () => {
  it("every operation is one command (save, load, list, delete, clear, prune) and none uses KEYS or SCAN", async () => {
    const store = open();
    const chain = createCheckpointChain(uniqueId("ops"), 20);
    await store.save(chain[0]!); // loads the save script
    await store.load(chain[0]!.id); // and the chain read
    await store.list(chain[0]!.executionId);
    await store.prune(chain[0]!.executionId, { keepLast: 5 });
    await store.delete(uniqueId("x"));
    await store.clear(uniqueId("x"));
    const calls = await commandsDuring(async () => {
      for (const cp of chain.slice(1)) await store.save(cp);
      await store.load(chain[3]!.id);
      await store.list(chain[0]!.executionId, { order: "desc", limit: 5 });
      await store.prune(chain[0]!.executionId, { keepLast: 5 });
      await store.delete(chain[19]!.id);
      await store.clear(chain[0]!.executionId);
    });
    expect(calls.evalsha).toBe(19 + 1 + 1 + 1 + 1 + 1);
    expect(calls.keys).toBeUndefined();
    expect(calls.scan).toBeUndefined();
    expect(calls.eval).toBeUndefined();
  });

  it("listExecutions and stats page through the executions index without KEYS or SCAN", async () => {
    const store = open({ prefix: `lg:${uniqueId("pages")}:` });
    for (let i = 0; i < 7; i++) await store.save(createTestCheckpoint({ executionId: `e${i}` }));
    await store.listExecutions();
    await store.stats();
    const calls = await commandsDuring(async () => {
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listExecutions(cursor === undefined ? { limit: 3 } : { limit: 3, cursor });
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined);
      expect(pages).toBe(3);
      expect(await store.stats()).toEqual({ checkpoints: 7, executions: 7, estimated: false });
    });
    expect(calls.evalsha).toBe(3 + 1);
    expect(calls.keys).toBeUndefined();
    expect(calls.scan).toBeUndefined();
  });
});
