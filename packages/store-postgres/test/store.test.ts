import { randomBytes } from "node:crypto";
import {
  CheckpointConflictError,
  InvalidArgumentError,
  StoreClosedError,
  createCheckpointId,
  type Checkpoint,
} from "@lg/core";
import postgres from "postgres";
import { PG_JSON_TAG, PostgresCheckpointStore } from "../src/index.js";
import { adminClient, createTestStore, statementLoggingStore, type TestStore } from "./helpers.js";

function checkpoint(executionId: string, version: number, state: unknown = { version }): Checkpoint {
  return {
    id: createCheckpointId(),
    executionId,
    nodeName: "node",
    state,
    metadata: { source: "loop", step: version, execution_id: executionId },
    timestamp: new Date(Date.UTC(2025, 0, 1) + version * 1000 + 7),
    version,
    next: ["after"],
  };
}

const exec = (label: string): string => `${label}-${randomBytes(4).toString("hex")}`;

describe("PostgresCheckpointStore", () => {
  let t: TestStore;
  let admin: postgres.Sql;

  beforeAll(async () => {
    t = await createTestStore();
    admin = await adminClient();
  });

  afterAll(async () => {
    await admin?.end();
    await t?.cleanup();
  });

  it("stores state as JSONB that plain SQL can query", async () => {
    const cp = checkpoint(exec("jsonb"), 1, { user: { name: "Ada" }, count: 3 });
    await t.store.save(cp);
    const rows = await admin.unsafe(
      `SELECT state->'user'->>'name' AS name, (state->>'count')::int AS count, jsonb_typeof(metadata) AS meta,
              node_name, version::int AS version, "timestamp" FROM "${t.schema}".checkpoints WHERE id = $1`,
      [cp.id],
    );
    expect(rows[0]).toEqual({
      name: "Ada",
      count: 3,
      meta: "object",
      node_name: "node",
      version: 1,
      timestamp: cp.timestamp,
    });
  });

  it("keeps NUL characters and lone surrogates by wrapping the column, and reads them back", async () => {
    const state = { nul: "a\u0000b", lone: "x\ud800y", plain: 1 };
    const cp = checkpoint(exec("nul"), 1, state);
    await t.store.save(cp);
    const [row] = await admin.unsafe(`SELECT state->>'$lg' AS tag FROM "${t.schema}".checkpoints WHERE id = $1`, [
      cp.id,
    ]);
    expect(row?.tag).toBe(PG_JSON_TAG);
    expect((await t.store.load(cp.id))?.state).toEqual(state);
    await expect(t.store.save(cp)).resolves.toBeUndefined(); // identical re-save of a wrapped row is a no-op
  });

  it("treats a re-save of wrapped state and metadata with keys in another order as a no-op", async () => {
    const cp = checkpoint(exec("nulorder"), 1, { a: "x\u0000", b: 1, nested: { y: "\ud800", x: [{ q: 1, p: 2 }] } });
    cp.metadata = { source: "loop", step: 1, note: "m\u0000" };
    await t.store.save(cp);
    const reordered: Checkpoint = {
      ...cp,
      state: { nested: { x: [{ p: 2, q: 1 }], y: "\ud800" }, b: 1, a: "x\u0000" },
      metadata: { note: "m\u0000", step: 1, source: "loop" },
    };
    await expect(t.store.save(reordered)).resolves.toBeUndefined();
    await expect(t.store.save({ ...reordered, state: { a: "x\u0000", b: 2 } })).rejects.toBeInstanceOf(
      CheckpointConflictError,
    );
    const [row] = await admin.unsafe(
      `SELECT state->>'$lg' AS state, metadata->>'$lg' AS metadata FROM "${t.schema}".checkpoints WHERE id = $1`,
      [cp.id],
    );
    expect(row).toEqual({ state: PG_JSON_TAG, metadata: PG_JSON_TAG }); // both columns really are wrapped
    const loaded = await t.store.load(cp.id);
    expect(loaded?.state).toEqual(cp.state);
    expect(loaded?.metadata).toEqual(cp.metadata);
  });

  it("rejects ids PostgreSQL text cannot hold with InvalidArgumentError", async () => {
    const cp = checkpoint(exec("badid"), 1);
    await expect(t.store.save({ ...cp, id: "a\u0000b" })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(t.store.save({ ...cp, executionId: "lone\udc00" })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("decides conflicts with the unique index and treats identical re-saves as no-ops", async () => {
    const executionId = exec("conflict");
    const first = checkpoint(executionId, 1);
    await t.store.save(first);
    await t.store.save({ ...first, metadata: { ...first.metadata } }); // same content, fresh objects
    const rival = checkpoint(executionId, 1);
    await expect(t.store.save(rival)).rejects.toBeInstanceOf(CheckpointConflictError);
    await expect(t.store.save({ ...first, state: { changed: true } })).rejects.toMatchObject({
      code: "LG_CHECKPOINT_CONFLICT",
      executionId,
      version: 1,
    });
    const [count] = await admin.unsafe(
      `SELECT count(*)::int AS n FROM "${t.schema}".checkpoints WHERE execution_id = $1`,
      [executionId],
    );
    expect(count?.n).toBe(1);
  });

  it("lets exactly one of many concurrent writers of a version win", async () => {
    const executionId = exec("race");
    const rivals = Array.from({ length: 12 }, () => checkpoint(executionId, 1));
    const results = await Promise.allSettled(rivals.map((cp) => t.store.save(cp)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(rejected.every((r) => r.reason instanceof CheckpointConflictError)).toBe(true);
  });

  it("saves a new checkpoint with one statement (no RETURNING) and classifies a refused one with a second", async () => {
    const statements: string[] = [];
    const store = statementLoggingStore(t, statements);
    try {
      await store.ping();
      const executionId = exec("trips");
      const first = checkpoint(executionId, 1);
      statements.length = 0;
      await store.save(first);
      expect(statements).toHaveLength(1);
      expect(statements[0]).toMatch(/^INSERT INTO .* ON CONFLICT DO NOTHING$/s);
      statements.length = 0;
      await store.save(first); // identical re-save: a no-op found by the classifying read
      await expect(store.save(checkpoint(executionId, 1))).rejects.toBeInstanceOf(CheckpointConflictError);
      expect(statements.filter((q) => q.startsWith("INSERT INTO"))).toHaveLength(2);
      expect(statements.filter((q) => q.startsWith("SELECT CASE WHEN"))).toHaveLength(2);
    } finally {
      await store.close();
    }
  });

  // A rival that commits after the save statement took its snapshot is invisible to that statement: the insert
  // waits for it, does nothing, and the store classifies the outcome with a second statement.
  async function saveAgainstLateCommit(rowOf: (cp: Checkpoint) => Checkpoint): Promise<PromiseSettledResult<void>> {
    const applicationName = exec("late");
    const statements: string[] = [];
    const store = new PostgresCheckpointStore({
      connString: t.url,
      schema: t.schema,
      poolSize: 1,
      applicationName,
      clientOptions: { debug: (_connection, query) => statements.push(query) },
    });
    const mine = checkpoint(exec("late"), 1);
    const theirs = rowOf(mine);
    try {
      await store.ping();
      let saving: Promise<void> | undefined;
      await admin.begin(async (tx) => {
        await tx.unsafe(
          `INSERT INTO "${t.schema}".checkpoints (id, execution_id, node_name, state, metadata, "timestamp", version, parent_id, next)
           VALUES ($1, $2, $3, $4::text::jsonb, $5::text::jsonb, $6::text::timestamptz, $7, NULL, $8::text::jsonb)`,
          [
            theirs.id,
            theirs.executionId,
            theirs.nodeName,
            JSON.stringify(theirs.state),
            JSON.stringify(theirs.metadata),
            theirs.timestamp.toISOString(),
            theirs.version,
            JSON.stringify(theirs.next),
          ],
        );
        saving = store.save(mine);
        saving.catch(() => undefined);
        for (let i = 0; i < 200; i++) {
          const [row] = await admin.unsafe(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
            [applicationName],
          );
          if (row?.n === 1) return;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        throw new Error("the save never waited for the rival transaction");
      });
      const [settled] = await Promise.allSettled([saving as Promise<void>]);
      // The save statement, then the classifying statement: the slow path really ran.
      expect(statements.filter((q) => q.startsWith("INSERT INTO"))).toHaveLength(1);
      expect(statements.filter((q) => q.startsWith("SELECT CASE WHEN"))).toHaveLength(1);
      return settled as PromiseSettledResult<void>;
    } finally {
      await store.close();
    }
  }

  it("reports a conflict with a rival committed after the save's snapshot", async () => {
    const result = await saveAgainstLateCommit((cp) => ({ ...cp, id: createCheckpointId() }));
    expect(result.status).toBe("rejected");
    expect((result as PromiseRejectedResult).reason).toBeInstanceOf(CheckpointConflictError);
  });

  it("treats an identical row committed after the save's snapshot as a no-op", async () => {
    const result = await saveAgainstLateCommit((cp) => cp);
    expect(result.status).toBe("fulfilled");
  });

  it("compares identical content as JSONB, whatever the key order", async () => {
    const cp = checkpoint(exec("order"), 1, { b: 1, a: { d: [1, 2], c: null } });
    await t.store.save(cp);
    await expect(t.store.save({ ...cp, state: { a: { c: null, d: [1, 2] }, b: 1 } })).resolves.toBeUndefined();
  });

  it("prunes natively in one statement, keeping the newest and protected ids", async () => {
    const executionId = exec("prune");
    const chain = [1, 2, 3, 4, 5, 6].map((v) => checkpoint(executionId, v));
    for (const cp of chain) await t.store.save(cp);
    const protectedId = chain[0]?.id as string;
    expect(await t.store.prune(executionId, { keepLast: 2, protect: [protectedId] })).toBe(3);
    expect((await t.store.list(executionId)).map((cp) => cp.version)).toEqual([1, 5, 6]);
    const cutoff = new Date((chain[4] as Checkpoint).timestamp.getTime());
    // Version 5 is not older than its own timestamp; version 1 is, and is no longer protected.
    expect(await t.store.prune(executionId, { olderThan: cutoff })).toBe(1);
    expect((await t.store.list(executionId)).map((cp) => cp.version)).toEqual([5, 6]);
    expect(await t.store.prune(executionId, { olderThan: new Date(8.64e15) })).toBe(1);
    expect((await t.store.list(executionId)).map((cp) => cp.version)).toEqual([6]);
  });

  it("reports counts and the table's size", async () => {
    const stats = await t.store.stats();
    expect(stats.checkpoints).toBeGreaterThan(0);
    expect(stats.executions).toBeGreaterThan(0);
    expect(stats.bytes).toBeGreaterThan(8192);
  });

  it("keeps timestamps far from today exact", async () => {
    const cp = { ...checkpoint(exec("time"), 1), timestamp: new Date(Date.UTC(12345, 5, 6, 7, 8, 9, 999)) };
    await t.store.save(cp);
    expect((await t.store.load(cp.id))?.timestamp).toEqual(cp.timestamp);
    const old = { ...checkpoint(exec("time"), 1), timestamp: new Date(Date.UTC(-500, 0, 1, 0, 0, 0, 1)) };
    await t.store.save(old);
    expect((await t.store.latest(old.executionId))?.timestamp).toEqual(old.timestamp);
    const tooOld = { ...checkpoint(exec("time"), 1), timestamp: new Date(-8.64e15) }; // 271822 BC
    await expect(t.store.save(tooOld)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("works over an injected client with a camelCase column transform, and leaves it open on close", async () => {
    const sql = postgres(t.url, { max: 2, transform: postgres.camel, onnotice: () => undefined });
    try {
      const store = new PostgresCheckpointStore({ sql, schema: t.schema });
      const cp = checkpoint(exec("camel"), 1, { deep: { key_name: 1 } });
      await store.save(cp);
      expect(await store.load(cp.id)).toEqual(cp);
      expect((await store.listExecutions({ cursor: cp.executionId.slice(0, -1) })).executions[0]).toEqual({
        executionId: cp.executionId,
        latestVersion: 1,
        updatedAt: cp.timestamp,
      });
      await store.close();
      await expect(store.latest(cp.executionId)).rejects.toBeInstanceOf(StoreClosedError);
      const [row] = await sql`select 1 as still_open`;
      expect(row).toEqual({ stillOpen: 1 });
    } finally {
      await sql.end();
    }
  });

  it("ends the pool it created on close, and close twice is harmless", async () => {
    const store = new PostgresCheckpointStore({ connString: t.url, schema: t.schema, poolSize: 1 });
    await store.ping();
    await store.close();
    await store.close();
    await expect(store.ping()).rejects.toBeInstanceOf(StoreClosedError);
    await expect(store.sql`select 1`).rejects.toMatchObject({ code: "CONNECTION_ENDED" });
  });
});
