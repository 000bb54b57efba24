import {
  CheckpointConflictError,
  LeaseLostError,
  StoreUnavailableError,
  createCheckpointId,
  type Checkpoint,
  type EnqueueRequest,
  type ExecutionRegistry,
  type Lease,
} from "@lg/core";
import Database from "better-sqlite3";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { makeCheckpoint, makeTempDir, randomExecutionId, type TempDir } from "./helpers.js";
import { holdLock, stopHolder, type Holder } from "./lock-holder.js";

/**
 * What the SQLite registry adds to the shared spec (run by conformance.test.ts): its table and the token kept in it,
 * the fencing of incremental saves (whose own transaction becomes a savepoint of the fenced one), `clear` removing
 * the record, and decisions waiting out another process's write lock as every other write does.
 */
const GRAPH = { name: "chat", version: "v1" };

let temp: TempDir;
let store: SqliteCheckpointStore;
let holder: Holder | undefined;

beforeEach(() => {
  temp = makeTempDir();
  store = new SqliteCheckpointStore({ path: temp.file() });
});

afterEach(async () => {
  await stopHolder(holder);
  holder = undefined;
  await store.close();
  temp.remove();
});

function submission(executionId: string, inputKey = createCheckpointId()): EnqueueRequest {
  return { executionId, graphName: GRAPH.name, graphVersion: GRAPH.version, input: '{"topic":"x"}', inputKey };
}

/** Enqueues a new execution and claims it for `owner`. */
async function leased(registry: ExecutionRegistry, executionId: string, owner = "worker-1"): Promise<Lease> {
  await registry.enqueue(submission(executionId));
  const leases = await registry.claim({ owner, graphs: [GRAPH], limit: 1, leaseMs: 60_000 });
  const lease = leases.find((l) => l.executionId === executionId);
  if (lease === undefined) throw new Error(`claim did not lease ${executionId}`);
  return lease;
}

/** Another worker's lease on `executionId`: cancelled, submitted again and claimed anew. */
async function takeOver(registry: ExecutionRegistry, executionId: string): Promise<Lease> {
  await registry.cancel(executionId);
  await registry.enqueue(submission(executionId));
  const [lease] = await registry.claim({ owner: "worker-2", graphs: [GRAPH], limit: 1, leaseMs: 60_000 });
  if (lease?.executionId !== executionId) throw new Error(`worker-2 did not take ${executionId} over`);
  return lease;
}

function readFile<T>(use: (db: Database.Database) => T): T {
  const db = new Database(temp.file(), { readonly: true });
  try {
    return use(db);
  } finally {
    db.close();
  }
}

function nextOf(parent: Checkpoint, log: string[]): Checkpoint {
  return makeCheckpoint({
    executionId: parent.executionId,
    version: parent.version + 1,
    parentId: parent.id,
    state: { log, n: parent.version + 1 },
  });
}

describe("the executions table", () => {
  it("is named after tableName, with its claim indexes; two tables in one file keep separate registries", async () => {
    const other = new SqliteCheckpointStore({ path: temp.file(), tableName: "runs" });
    try {
      await store.registry.enqueue(submission("shared-id"));
      expect(await other.registry.get("shared-id")).toBeUndefined();
      await other.registry.enqueue(submission("shared-id"));
      expect(await other.registry.counts()).toMatchObject({ queued: 1 });
    } finally {
      await other.close();
    }
    const objects = readFile((db) =>
      db.prepare("SELECT type, name FROM sqlite_master WHERE name LIKE '%executions%' ORDER BY name").all(),
    );
    expect(objects).toEqual([
      { type: "table", name: "checkpoints_executions" },
      { type: "index", name: "idx_checkpoints_executions_leased" },
      { type: "index", name: "idx_checkpoints_executions_status" },
      { type: "index", name: "idx_runs_executions_leased" },
      { type: "index", name: "idx_runs_executions_status" },
      { type: "table", name: "runs_executions" },
      { type: "index", name: "sqlite_autoindex_checkpoints_executions_1" },
      { type: "index", name: "sqlite_autoindex_runs_executions_1" },
    ]);
  });

  it("keeps the lease token in its row, never in a record, and drops it on release", async () => {
    const executionId = randomExecutionId("token");
    const before = Date.now();
    const lease = await leased(store.registry, executionId);
    const after = Date.now();
    expect(Object.keys(lease.record)).not.toContain("token");
    const tokenOf = (): unknown =>
      readFile((db) =>
        db.prepare('SELECT lease_token FROM "checkpoints_executions" WHERE execution_id = ?').pluck().get(executionId),
      );
    expect(tokenOf()).toBe(lease.token);
    // The process's own clock, in milliseconds.
    const claimedAt = lease.record.updatedAt.getTime();
    expect(claimedAt).toBeGreaterThanOrEqual(before);
    expect(claimedAt).toBeLessThanOrEqual(after);
    expect(lease.record.leaseExpiresAt?.getTime()).toBe(claimedAt + 60_000);
    await store.registry.release(lease, { status: "done" });
    expect(tokenOf()).toBeNull();
  });
});

describe("saves fenced by a lease", () => {
  it("write a delta row and its items while the lease is held, and nothing once it is lost", async () => {
    const executionId = randomExecutionId("fenced");
    const lease = await leased(store.registry, executionId);
    const first = makeCheckpoint({ executionId, state: { log: ["a"], n: 1 } });
    await store.save(first, { lease });
    const second = nextOf(first, ["a", "b"]);
    await store.save(second, { lease, changes: { parentId: first.id, whole: ["n"], appended: { log: 1 } } });
    const rows = (): unknown =>
      readFile((db) => [
        db.prepare("SELECT kind FROM checkpoints WHERE execution_id = ? ORDER BY version").pluck().all(executionId),
        db.prepare("SELECT COUNT(*) FROM checkpoints_items WHERE execution_id = ?").pluck().get(executionId),
      ]);
    expect(rows()).toEqual([["full", "delta"], 1]);

    await takeOver(store.registry, executionId);
    const zombie = nextOf(second, ["a", "b", "c"]);
    const changes = { parentId: second.id, whole: ["n"], appended: { log: 1 } };
    await expect(store.save(zombie, { lease, changes })).rejects.toBeInstanceOf(LeaseLostError);
    await expect(store.save(zombie, { lease })).rejects.toBeInstanceOf(LeaseLostError);
    expect(rows()).toEqual([["full", "delta"], 1]);
    expect(await store.load(zombie.id)).toBeUndefined();
  });

  it("check the lease before the version: a zombie gets LeaseLostError, the holder a conflict", async () => {
    const executionId = randomExecutionId("order");
    const lost = await leased(store.registry, executionId);
    const current = await takeOver(store.registry, executionId);
    const stored = makeCheckpoint({ executionId });
    await store.save(stored, { lease: current });
    const sameVersion = makeCheckpoint({ executionId, version: stored.version });
    await expect(store.save(sameVersion, { lease: lost })).rejects.toMatchObject({
      code: "LG_LEASE_LOST",
      executionId,
    });
    await expect(store.save(sameVersion, { lease: current })).rejects.toBeInstanceOf(CheckpointConflictError);
    // The conflict rolled back only the insert: the lease is still held.
    expect((await store.registry.renew([current], 60_000)).lost).toEqual([]);
  });

  it("leave saveMany and saves without a lease alone", async () => {
    const executionId = randomExecutionId("unfenced");
    await store.save(makeCheckpoint({ executionId }));
    await store.saveMany([makeCheckpoint({ executionId, version: 2 })]);
    expect((await store.list(executionId)).map((cp) => cp.version)).toEqual([1, 2]);
    expect(await store.registry.get(executionId)).toBeUndefined();
  });
});

describe("clear, delete and prune", () => {
  it("clear removes the checkpoints and the record together; delete and prune keep the record", async () => {
    const executionId = randomExecutionId("clear");
    const lease = await leased(store.registry, executionId);
    const checkpoints = [1, 2, 3].map((version) => makeCheckpoint({ executionId, version }));
    for (const cp of checkpoints) await store.save(cp, { lease });
    await store.delete((checkpoints[0] as Checkpoint).id);
    await store.prune(executionId, { keepLast: 1 });
    expect((await store.registry.get(executionId))?.status).toBe("running");
    await store.clear(executionId);
    expect(await store.registry.get(executionId)).toBeUndefined();
    expect(await store.list(executionId)).toEqual([]);
    expect((await store.registry.renew([lease], 60_000)).lost).toEqual([executionId]);
  });
});

describe("another process holding the write lock", () => {
  it("makes a claim wait until the lock is released, then claim", async () => {
    const executionId = randomExecutionId("wait");
    await store.registry.enqueue(submission(executionId));
    holder = holdLock(temp.file(), 1500);
    await holder.printed("locked");
    const leases = await store.registry.claim({ owner: "w", graphs: [GRAPH], limit: 5, leaseMs: 60_000 });
    await holder.printed("released"); // the claim could only commit after the holder did
    expect(leases.map((l) => l.executionId)).toEqual([executionId]);
  }, 30_000);

  it("rejects a decision with StoreUnavailableError after busyTimeoutMs, changing nothing", async () => {
    const impatient = new SqliteCheckpointStore({ path: temp.file(), busyTimeoutMs: 300 });
    try {
      const executionId = randomExecutionId("timeout");
      const lease = await leased(impatient.registry, executionId);
      holder = holdLock(temp.file(), 20_000);
      await holder.printed("locked");
      await expect(impatient.registry.release(lease, { status: "done" })).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(impatient.registry.enqueue(submission(randomExecutionId()))).rejects.toThrow(
        /locked for longer than busyTimeoutMs \(300 ms/,
      );
      await stopHolder(holder);
      expect((await impatient.registry.get(executionId))?.status).toBe("running");
    } finally {
      await impatient.close();
    }
  }, 30_000);
});
