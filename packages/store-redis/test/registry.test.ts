import {
  CheckpointConflictError,
  ExecutionBusyError,
  LeaseLostError,
  StoreClosedError,
  StoreUnavailableError,
  type EnqueueRequest,
  type StatusChange,
} from "@lg/core";
import { createTestCheckpoint, uniqueId } from "@lg/store-testkit";
import { RedisCheckpointStore } from "@lg/store-redis";
import { createClient } from "redis";
import { ChatWriter } from "./chat.js";
import { eventually, hashOf, openNamespace, pairs, sleep, type Namespace } from "./helpers.js";

/**
 * The execution registry on the test Redis: what each script decides, the keys it keeps, fencing of saves, and the
 * guarantees between store instances (exclusive claims, pub/sub reaching another instance).
 */

let ns: Namespace;
beforeEach(async () => {
  ns = await openNamespace();
});
afterEach(async () => {
  await ns.cleanup();
});

function request(executionId: string, inputKey = "k1", graphName = "g", graphVersion = "1"): EnqueueRequest {
  return { executionId, graphName, graphVersion, input: JSON.stringify({ n: inputKey }), inputKey };
}

const OWNER = { owner: "w1", graphs: [{ name: "g", version: "1" }], limit: 10, leaseMs: 60_000 };

describe("execution registry", () => {
  it("enqueue creates, finds the same submission, refuses another while queued, requeues once ended", async () => {
    const { registry } = ns.store();
    const id = uniqueId("ex");
    const created = await registry.enqueue(request(id));
    expect(created.outcome).toBe("created");
    expect(created.record).toMatchObject({ executionId: id, status: "queued", attempts: 0, inputKey: "k1" });
    expect(created.record.createdAt).toEqual(created.record.updatedAt);
    expect((await registry.enqueue(request(id))).outcome).toBe("existing");
    await expect(registry.enqueue(request(id, "k2"))).rejects.toBeInstanceOf(ExecutionBusyError);
    const [lease] = await registry.claim(OWNER);
    await registry.release(lease!, { status: "failed", error: "boom" });
    const again = await registry.enqueue(request(id, "k2", "other-graph", "9"));
    expect(again.outcome).toBe("requeued");
    expect(again.record).toMatchObject({ status: "queued", graphName: "g", graphVersion: "1", attempts: 1 });
    expect(again.record.error).toBeUndefined();
    expect(again.record.input).toBe(JSON.stringify({ n: "k2" }));
  });

  it("keeps the record in a hash and its indexes under the prefix, the token never in a record", async () => {
    const store = ns.store();
    const id = `run:{x}* 漢字 🚀`;
    await store.registry.enqueue(request(id));
    const [lease] = await store.registry.claim(OWNER);
    const fields = await hashOf(ns, store.keys.run(id));
    expect(fields).toMatchObject({ status: "running", owner: "w1", token: lease!.token, attempts: "1" });
    expect(Number(fields.leaseExpiresAt)).toBe(lease!.record.leaseExpiresAt!.getTime());
    expect(lease!.record).not.toHaveProperty("token");
    const prefix = ns.db.prefix;
    expect(store.keys.claimable("g", "1")).toBe(`${prefix}runs:claimable:1:g1`);
    expect((await ns.db.keys()).sort()).toEqual(
      [
        store.keys.run(id),
        store.keys.runs(),
        store.keys.runsWithStatus("running"),
        store.keys.claimable("g", "1"),
      ].sort(),
    );
    expect(pairs(await ns.command("ZRANGE", store.keys.claimable("g", "1"), 0, -1, "WITHSCORES"))).toEqual([
      [id, lease!.record.leaseExpiresAt!.getTime()],
    ]);
    await store.registry.release(lease!, { status: "done" });
    expect(await ns.command("EXISTS", store.keys.claimable("g", "1"))).toBe(0);
    expect(await ns.command("ZRANGE", store.keys.runsWithStatus("done"), 0, -1)).toEqual([id]);
  });

  it("claims expired leases first, then the oldest queued; only served graph versions; a new token", async () => {
    const { registry } = ns.store();
    const ids = ["c", "a", "b"].map((s) => uniqueId(s));
    for (const id of ids) {
      await registry.enqueue(request(id));
      await sleep(3); // distinct enqueue times on the server's clock
    }
    await registry.enqueue(request(uniqueId("v2"), "k1", "g", "2"));
    expect(await registry.claim({ ...OWNER, graphs: [] })).toEqual([]);
    const first = await registry.claim({ ...OWNER, limit: 2, leaseMs: 1 });
    expect(first.map((l) => l.executionId)).toEqual(ids.slice(0, 2));
    await sleep(20);
    const second = await registry.claim({ ...OWNER, owner: "w2" });
    // the expired leases first (started executions), then the queued one, though it was claimable before they expired
    expect(second[2]?.executionId).toBe(ids[2]);
    expect(
      second
        .slice(0, 2)
        .map((l) => l.executionId)
        .sort(),
    ).toEqual([ids[0], ids[1]].sort());
    const retaken = second.find((l) => l.executionId === ids[0])!;
    expect(retaken.token).not.toBe(first[0]!.token);
    expect(retaken.record).toMatchObject({ owner: "w2", attempts: 2, status: "running" });
    await expect(registry.release(first[0]!, { status: "done" })).rejects.toBeInstanceOf(LeaseLostError);
    expect((await registry.get(ids[0]!))?.status).toBe("running");
  });

  it("renew extends held leases in one call and reports the lost ones", async () => {
    const { registry } = ns.store();
    const [a, b] = [uniqueId("a"), uniqueId("b")];
    await registry.enqueue(request(a));
    await registry.enqueue(request(b));
    const leases = await registry.claim({ ...OWNER, leaseMs: 1 });
    await sleep(10);
    await registry.cancel(b);
    const renewed = await registry.renew(leases, 120_000);
    expect(renewed.lost).toEqual([b]);
    expect((await registry.get(a))?.leaseExpiresAt).toEqual(renewed.expiresAt);
    expect(await registry.claim({ ...OWNER, owner: "w2" })).toEqual([]); // renewed: not claimable any more
    const empty = await registry.renew([], 1000);
    expect(empty.lost).toEqual([]);
  });

  it("cancel ends what has not ended and leaves ended records alone", async () => {
    const { registry } = ns.store();
    expect(await registry.cancel(uniqueId("none"))).toBeUndefined();
    const id = uniqueId("c");
    await registry.enqueue(request(id));
    const cancelled = await registry.cancel(id);
    expect(cancelled).toMatchObject({ status: "cancelled" });
    expect(await registry.cancel(id)).toEqual(cancelled);
    expect(await registry.claim(OWNER)).toEqual([]);
  });

  it("lists by id in code-point order with status filters and cursors, and counts", async () => {
    const { registry } = ns.store();
    const ids = ["b", "a", "\uE000", "😀", "z:*%'\"", "a{b}"];
    for (const id of ids) await registry.enqueue(request(id));
    const leases = await registry.claim({ ...OWNER, limit: 2 });
    await registry.release(leases[0]!, { status: "paused" });
    const sorted = [...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await registry.list({ limit: 2, cursor });
      seen.push(...page.records.map((r) => r.executionId));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(seen).toEqual(sorted);
    const some = await registry.list({ status: ["paused", "running"], limit: 10 });
    expect(some.records.map((r) => r.status).sort()).toEqual(["paused", "running"]);
    expect(some.nextCursor).toBeUndefined();
    const queued = await registry.list({ status: "queued", limit: 3 });
    expect(queued.records.map((r) => r.executionId)).toEqual(
      sorted.filter((id) => !leases.some((l) => l.executionId === id)).slice(0, 3),
    );
    expect(queued.nextCursor).toBe(queued.records[2]!.executionId);
    expect(await registry.counts()).toEqual({ queued: 4, running: 1, paused: 1, done: 0, failed: 0, cancelled: 0 });
  });

  it("a save under a lease commits only while the record holds its token, checked before the version", async () => {
    const store = ns.store();
    const id = uniqueId("fenced");
    await store.registry.enqueue(request(id));
    const [lease] = await store.registry.claim({ ...OWNER, leaseMs: 1 });
    const fence = { executionId: id, token: lease!.token };
    const cp1 = createTestCheckpoint({ executionId: id, version: 1 });
    await store.save(cp1, { lease: fence });
    await sleep(10);
    await store.registry.claim({ ...OWNER, owner: "w2" }); // the expired lease is taken over
    const zombie = createTestCheckpoint({ executionId: id, version: 2 });
    await expect(store.save(zombie, { lease: fence })).rejects.toBeInstanceOf(LeaseLostError);
    expect(await store.load(zombie.id)).toBeUndefined();
    // the same version as a stored one: a conflict without the lease, still LeaseLostError under the lost lease
    const clash = createTestCheckpoint({ executionId: id, version: 1 });
    await expect(store.save(clash, { lease: fence })).rejects.toBeInstanceOf(LeaseLostError);
    await expect(store.save(clash)).rejects.toBeInstanceOf(CheckpointConflictError);
    await expect(
      store.save(createTestCheckpoint({ executionId: uniqueId("never") }), { lease: fence }),
    ).rejects.toBeInstanceOf(LeaseLostError);
  });

  it("a fenced delta save whose parent went is stored whole, still under the lease", async () => {
    const store = ns.store();
    const id = uniqueId("fenced-delta");
    await store.registry.enqueue(request(id));
    const [lease] = await store.registry.claim(OWNER);
    const w = new ChatWriter(store, id);
    const first = await w.start();
    const orphan = w.next(first, [{ n: 1 }]);
    await store.delete(first.id);
    const changes = { parentId: first.id, whole: ["turn"], appended: { messages: 1 } };
    await store.save(orphan, { changes, lease: lease! });
    expect(await store.load(orphan.id)).toEqual(orphan);
    expect((await hashOf(ns, store.keys.checkpoint(orphan.id))).kind).toBe("full");
    await store.registry.cancel(id);
    const late = w.next(orphan, [{ n: 2 }]);
    await store.delete(orphan.id);
    await expect(store.save(late, { changes: { ...changes, parentId: orphan.id }, lease: lease! })).rejects.toThrow(
      LeaseLostError,
    );
    expect(await store.load(late.id)).toBeUndefined();
  });

  it("clear deletes the record and its index entries with the checkpoints; delete and prune leave it", async () => {
    const store = ns.store();
    const id = uniqueId("cleared");
    await store.registry.enqueue(request(id));
    const [lease] = await store.registry.claim(OWNER);
    const cps = [1, 2, 3].map((version) => createTestCheckpoint({ executionId: id, version }));
    for (const cp of cps) await store.save(cp, { lease: lease! });
    await store.delete(cps[0]!.id);
    await store.prune(id, { keepLast: 1 });
    expect((await store.registry.get(id))?.status).toBe("running");
    await store.clear(id);
    expect(await store.registry.get(id)).toBeUndefined();
    expect(await ns.db.keys()).toEqual([]);
    await expect(store.save(createTestCheckpoint({ executionId: id, version: 4 }), { lease: lease! })).rejects.toThrow(
      LeaseLostError,
    );
  });

  it("of many concurrent claims from two store instances, each execution goes to exactly one", async () => {
    const [one, two] = [ns.store(), ns.store()];
    const ids = Array.from({ length: 60 }, (_, i) => uniqueId(`x${i}`));
    for (const id of ids) await one.registry.enqueue(request(id));
    const claims = Array.from({ length: 40 }, (_, i) =>
      (i % 2 === 0 ? one : two).registry.claim({ ...OWNER, owner: `w${i}`, limit: 3 }),
    );
    const leases = (await Promise.all(claims)).flat();
    expect(leases.map((l) => l.executionId).sort()).toEqual([...ids].sort());
    for (const lease of leases) {
      const record = await two.registry.get(lease.executionId);
      expect(record).toMatchObject({ status: "running", attempts: 1, owner: lease.record.owner });
    }
    expect(await one.registry.claim(OWNER)).toEqual([]);
  });

  it("status changes made through one instance reach a subscriber on another; unsubscribe and close end it", async () => {
    const [writer, watcher] = [ns.store(), ns.store()];
    const seen: StatusChange[] = [];
    const unsubscribe = await watcher.registry.subscribe((change) => seen.push(change));
    const id = `sub:{a}"é/\\ 🚀`;
    await writer.registry.enqueue(request(id));
    const [lease] = await writer.registry.claim(OWNER);
    await writer.registry.release(lease!, { status: "paused" });
    await writer.registry.enqueue(request(id, "k2"));
    await writer.registry.cancel(id);
    // Every change but the claim's (running), which is not announced.
    const expected = ["queued", "paused", "queued", "cancelled"].map((status) => ({
      executionId: id,
      status,
    }));
    expect(await eventually(async () => seen.length >= expected.length, 10_000)).toBe(true);
    expect(seen).toEqual(expected);
    await writer.registry.enqueue(request(id, "k2")); // no change: nothing announced
    await unsubscribe();
    await writer.registry.enqueue(request(id, "k3"));
    const later: StatusChange[] = [];
    await watcher.registry.subscribe((change) => later.push(change));
    await watcher.close();
    await writer.registry.cancel(id);
    await sleep(200);
    expect(seen).toHaveLength(expected.length);
    expect(later).toEqual([]);
  });

  it("subscribe on a store over an injected client listens on a duplicate, which close() ends", async () => {
    const client = createClient({ url: ns.db.url });
    await client.connect();
    try {
      const store = new RedisCheckpointStore({ client, prefix: ns.db.prefix });
      const seen: StatusChange[] = [];
      await store.registry.subscribe((change) => seen.push(change));
      const id = uniqueId("dup");
      await ns.store().registry.enqueue(request(id));
      expect(await eventually(async () => seen.length > 0, 10_000)).toBe(true);
      expect(seen).toEqual([{ executionId: id, status: "queued" }]);
      const listening = async (): Promise<number> =>
        ((await ns.command("PUBSUB", "NUMSUB", store.keys.changesChannel())) as [string, number])[1];
      expect(await listening()).toBe(1);
      await store.close();
      expect(await eventually(async () => (await listening()) === 0, 10_000)).toBe(true);
      expect(client.isOpen).toBe(true);
      expect(await client.ping()).toBe("PONG");
    } finally {
      client.destroy();
    }
  });

  it("a subscriber whose connection is killed reconnects and subscribes again", async () => {
    const clientName = uniqueId("lg-sub");
    const watcher = ns.store({ clientName });
    const seen: StatusChange[] = [];
    await watcher.registry.subscribe((change) => seen.push(change));
    const listening = async (): Promise<number> =>
      ((await ns.command("PUBSUB", "NUMSUB", watcher.keys.changesChannel())) as [string, number])[1];
    const clients = String(await ns.command("CLIENT", "LIST")).split("\n");
    const subscriber = clients.find((line) => line.includes(`name=${clientName} `) && / sub=1 /.test(line));
    const clientId = /^id=(\d+) /.exec(subscriber ?? "")?.[1];
    expect(clientId).toBeDefined();
    await ns.command("CLIENT", "KILL", "ID", clientId!);
    expect(await eventually(async () => (await listening()) === 1, 10_000)).toBe(true);
    const id = uniqueId("after-kill");
    await ns.store().registry.enqueue(request(id));
    expect(await eventually(async () => seen.some((change) => change.executionId === id), 10_000)).toBe(true);
  });

  it("subscribe to a server that refuses connections rejects with StoreUnavailableError", async () => {
    const store = new RedisCheckpointStore({ url: "redis://127.0.0.1:1", connectTimeout: 2000 });
    try {
      await expect(store.registry.subscribe(() => undefined)).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await store.close();
    }
  });

  it("a closed store's registry rejects with StoreClosedError", async () => {
    const store = ns.store();
    await store.close();
    await expect(store.registry.get("x")).rejects.toBeInstanceOf(StoreClosedError);
    await expect(store.registry.enqueue(request("x"))).rejects.toBeInstanceOf(StoreClosedError);
    await expect(store.registry.subscribe(() => undefined)).rejects.toBeInstanceOf(StoreClosedError);
  });
});
