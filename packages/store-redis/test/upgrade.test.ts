import { createTestCheckpoint, uniqueId } from "@lg/store-testkit";
import { LeaseLostError, type Checkpoint } from "@lg/core";
import { ChatWriter, type Chat } from "./chat.js";
import { writeRelease01 } from "./fixtures/layout-0.1.js";
import { expectConsistent, hashOf, openNamespace, type Namespace } from "./helpers.js";
import { COMPACT_MIN_PARTS } from "../src/row-lua.js";

/**
 * Data written by release 0.1.0 (hashes without `kind`, the state inside `data`) needs no migration: it reads as
 * full rows, and an execution goes on incrementally from it — its retention merging new rows into old ones — and
 * under the execution registry, whose keys such data does not have yet.
 */

let ns: Namespace;
beforeEach(async () => {
  ns = await openNamespace();
});
afterEach(async () => {
  await ns.cleanup();
});

/** A chat execution of `count` checkpoints as release 0.1.0 received them (whole states). */
function oldExecution(executionId: string, count: number): Checkpoint<Chat>[] {
  const out: Checkpoint<Chat>[] = [];
  for (let version = 1; version <= count; version++) {
    const messages = Array.from({ length: version }, (_, i) => ({ n: i, at: new Date(Date.UTC(2025, 0, 1, 0, i)) }));
    const cp = createTestCheckpoint<Chat>({ executionId, version, state: { messages, turn: version } });
    const parent = out[out.length - 1];
    if (parent !== undefined) cp.parentId = parent.id;
    out.push(cp);
  }
  return out;
}

describe("data written by release 0.1.0", () => {
  it("reads back whole through load, latest, list and listHeaders", async () => {
    const executionId = uniqueId("old");
    const old = oldExecution(executionId, 6);
    await writeRelease01(ns.db.command, ns.db.prefix, old);
    const store = ns.store();
    expect(await store.load(old[2]!.id)).toEqual(old[2]);
    expect(await store.latest(executionId)).toEqual(old[5]);
    expect(await store.list(executionId)).toEqual(old);
    expect(await store.list(executionId, { order: "desc", limit: 2 })).toEqual([old[5], old[4]]);
    expect(await store.listHeaders(executionId)).toEqual(old.map(({ state: _state, ...header }) => header));
    expect(await store.stats()).toEqual({ checkpoints: 6, executions: 1, estimated: false });
  });

  it("goes on incrementally from the old rows, with retention and deletes, and clears whole", async () => {
    const executionId = uniqueId("old");
    const old = oldExecution(executionId, 4);
    await writeRelease01(ns.db.command, ns.db.prefix, old);
    const store = ns.store();
    const w = new ChatWriter(store, executionId, old.length);
    let cp = (await store.latest(executionId)) as Checkpoint<Chat>;
    const saved = [...old];
    for (let i = 0; i < 6; i++) {
      cp = await w.step(cp, [{ n: 100 + i }]);
      saved.push(cp);
    }
    expect(await store.load(cp.id)).toEqual(cp);
    expect(await store.list(executionId)).toEqual(saved);
    await store.prune(executionId, { keepLast: 3 });
    expect(await store.list(executionId)).toEqual(saved.slice(-3));
    for (const each of saved.slice(-3)) expect(await store.load(each.id)).toEqual(each);
    await store.delete(saved[saved.length - 2]!.id);
    expect(await store.load(cp.id)).toEqual(cp);
    // Enough pruned steps that the old row they merge into is compacted: it becomes a full row of the new layout.
    for (let i = 0; i < COMPACT_MIN_PARTS + 5; i++) {
      cp = await w.step(cp, [{ n: 200 + i }]);
      await store.prune(executionId, { keepLast: 3 });
    }
    expect(await store.load(cp.id)).toEqual(cp);
    const [base] = (await ns.command("ZRANGE", store.keys.hiddenIndex(executionId), 0, -1)) as string[];
    expect(base).toBe(old[3]!.id);
    const fields = await hashOf(ns, store.keys.checkpoint(base!));
    expect(fields.kind).toBe("full");
    expect(JSON.parse(fields.data!)).toMatchObject({ id: base, state: null });
    await expectConsistent(ns, store);
    await store.clear(executionId);
    expect(await ns.db.keys()).toEqual([]);
  });

  it("takes the execution registry: an old execution is enqueued, claimed, continued under its lease and cleared", async () => {
    const executionId = uniqueId("old");
    const old = oldExecution(executionId, 3);
    await writeRelease01(ns.db.command, ns.db.prefix, old);
    const [store, other] = [ns.store(), ns.store()];
    expect(await store.registry.get(executionId)).toBeUndefined();
    expect(await store.registry.counts()).toEqual({
      queued: 0,
      running: 0,
      paused: 0,
      done: 0,
      failed: 0,
      cancelled: 0,
    });
    const graphs = [{ name: "chat", version: "1" }];
    const request = { executionId, graphName: "chat", graphVersion: "1", input: "{}", inputKey: "resume-1" };
    expect((await store.registry.enqueue(request)).outcome).toBe("created");
    const [lease] = await other.registry.claim({ owner: "w", graphs, limit: 5, leaseMs: 60_000 });
    expect(lease?.executionId).toBe(executionId);
    const w = new ChatWriter(store, executionId, old.length);
    const parent = (await store.latest(executionId)) as Checkpoint<Chat>;
    const next = w.next(parent, [{ n: 100 }]);
    const changes = { parentId: parent.id, whole: ["turn"], appended: { messages: 1 } };
    await store.save(next, { changes, lease: lease! });
    expect(await other.load(next.id)).toEqual(next);
    expect((await store.listExecutions()).executions.map((e) => e.executionId)).toEqual([executionId]);
    await other.registry.release(lease!, { status: "done" });
    const zombie = w.next(next, [{ n: 101 }]);
    await expect(store.save(zombie, { changes: { ...changes, parentId: next.id }, lease: lease! })).rejects.toThrow(
      LeaseLostError,
    );
    expect((await store.registry.list()).records.map((r) => [r.executionId, r.status])).toEqual([
      [executionId, "done"],
    ]);
    await expectConsistent(ns, store);
    await store.clear(executionId);
    expect(await ns.db.keys()).toEqual([]);
  });

  it("an old checkpoint saved again is a no-op, and other content at its id a conflict", async () => {
    const executionId = uniqueId("old");
    const old = oldExecution(executionId, 2);
    await writeRelease01(ns.db.command, ns.db.prefix, old);
    const store = ns.store();
    await store.save(old[1]!);
    await expect(store.save({ ...old[1]!, state: { messages: [], turn: 0 } })).rejects.toThrow(/conflict/i);
    expect(await store.load(old[1]!.id)).toEqual(old[1]);
  });
});
