import type { StoreSpec } from "../kill/stores.js";

/** One call of a counted effect, as the effect itself wrote it down. */
export interface EffectCall {
  /** The execution and node whose `context.step` called the effect. */
  executionId: string;
  node: string;
  /** The worker process that called it. */
  worker: string;
  /** Unique per call (worker id and a counter). */
  callId: string;
  /** The effect's idempotency key (`context.step`'s `call.key`): the same on every call of one effect. */
  key: string;
}

/** An effect as it landed: the first call made with its key (later calls with the key land nothing). */
export interface LandedEffect {
  executionId: string;
  node: string;
  key: string;
  /** The call that landed it: what every call with the key answers, as an idempotent service would. */
  callId: string;
}

/**
 * The side tables the chaos graph's effects write to, kept in the store's own backend but outside the store (tables
 * of the SQLite file, of the PostgreSQL schema, keys under the Redis prefix): every call is written down the moment
 * the effect runs, whatever becomes of the step that ran it, and the effect itself lands once per idempotency key,
 * like a payment API given an idempotency key.
 */
export interface EffectLog {
  /** Writes down one call and lands its effect unless its key already landed; resolves with the landed call's id. */
  record(call: EffectCall): Promise<string>;
  /** Every call written down so far, by anyone. */
  calls(): Promise<EffectCall[]>;
  /** Every effect that landed. */
  landed(): Promise<LandedEffect[]>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Name of the side table of calls (SQLite, PostgreSQL) or key suffix (Redis). */
const TABLE = "chaos_effects";
/** Name of the side table of landed effects, one row per idempotency key. */
const LANDED = "chaos_landed";

/**
 * Opens the side table of `spec`, creating it when `create` is set (the driver does, once, before any worker
 * starts, so that workers never race to create it).
 */
export async function openEffectLog(spec: StoreSpec, create = false): Promise<EffectLog> {
  switch (spec.kind) {
    case "sqlite":
      return openSqliteLog(spec.path, create);
    case "postgres":
      return openPostgresLog(spec.url, spec.schema, create);
    case "redis":
      return openRedisLog(spec.url, `${spec.prefix}${TABLE}`);
  }
}

async function openSqliteLog(path: string, create: boolean): Promise<EffectLog> {
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(path);
  // Workers write beside the store's own connections to the same file.
  db.pragma("busy_timeout = 30000");
  if (create) {
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (execution_id TEXT NOT NULL, node TEXT NOT NULL, worker TEXT NOT NULL, call_id TEXT NOT NULL, key TEXT NOT NULL)`,
    );
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${LANDED} (key TEXT PRIMARY KEY, execution_id TEXT NOT NULL, node TEXT NOT NULL, call_id TEXT NOT NULL)`,
    );
  }
  const insert = db.prepare(`INSERT INTO ${TABLE} (execution_id, node, worker, call_id, key) VALUES (?, ?, ?, ?, ?)`);
  const land = db.prepare(`INSERT OR IGNORE INTO ${LANDED} (key, execution_id, node, call_id) VALUES (?, ?, ?, ?)`);
  const landedCall = db.prepare(`SELECT call_id FROM ${LANDED} WHERE key = ?`).pluck();
  const select = db.prepare(`SELECT execution_id, node, worker, call_id, key FROM ${TABLE} ORDER BY rowid`);
  const selectLanded = db.prepare(`SELECT key, execution_id, node, call_id FROM ${LANDED}`);
  const record = db.transaction((call: EffectCall): string => {
    insert.run(call.executionId, call.node, call.worker, call.callId, call.key);
    land.run(call.key, call.executionId, call.node, call.callId);
    return landedCall.get(call.key) as string;
  });
  return {
    record: (call) => Promise.resolve(record.immediate(call)),
    calls: () => Promise.resolve((select.all() as Row[]).map(fromRow)),
    landed: () => Promise.resolve((selectLanded.all() as LandedRow[]).map(fromLandedRow)),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

async function openPostgresLog(url: string, schema: string, create: boolean): Promise<EffectLog> {
  const { default: postgres } = await import("postgres");
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  const table = sql(`${schema}.${TABLE}`);
  const landed = sql(`${schema}.${LANDED}`);
  if (create) {
    await sql`CREATE TABLE IF NOT EXISTS ${table} (id BIGSERIAL PRIMARY KEY, execution_id TEXT NOT NULL, node TEXT NOT NULL, worker TEXT NOT NULL, call_id TEXT NOT NULL, key TEXT NOT NULL)`;
    await sql`CREATE TABLE IF NOT EXISTS ${landed} (key TEXT PRIMARY KEY, execution_id TEXT NOT NULL, node TEXT NOT NULL, call_id TEXT NOT NULL)`;
  }
  return {
    record: async (call) => {
      await sql`INSERT INTO ${table} (execution_id, node, worker, call_id, key) VALUES (${call.executionId}, ${call.node}, ${call.worker}, ${call.callId}, ${call.key})`;
      await sql`INSERT INTO ${landed} (key, execution_id, node, call_id) VALUES (${call.key}, ${call.executionId}, ${call.node}, ${call.callId}) ON CONFLICT (key) DO NOTHING`;
      // A statement of its own: it sees the row a concurrent call with the key committed while this one waited.
      const [row] = await sql<{ call_id: string }[]>`SELECT call_id FROM ${landed} WHERE key = ${call.key}`;
      return row?.call_id ?? call.callId;
    },
    calls: async () =>
      (await sql<Row[]>`SELECT execution_id, node, worker, call_id, key FROM ${table} ORDER BY id`).map(fromRow),
    landed: async () =>
      (await sql<LandedRow[]>`SELECT key, execution_id, node, call_id FROM ${landed}`).map(fromLandedRow),
    close: () => sql.end({ timeout: 5 }),
  };
}

async function openRedisLog(url: string, key: string): Promise<EffectLog> {
  const { createClient } = await import("redis");
  const client = createClient({ url });
  await client.connect();
  const landedKey = `${key}:${LANDED}`;
  return {
    record: async (call) => {
      await client.rPush(key, JSON.stringify(call));
      await client.hSetNX(landedKey, call.key, JSON.stringify(call));
      const landed = await client.hGet(landedKey, call.key);
      return landed === null || landed === undefined ? call.callId : (JSON.parse(landed) as EffectCall).callId;
    },
    calls: async () => (await client.lRange(key, 0, -1)).map((text) => JSON.parse(text) as EffectCall),
    landed: async () =>
      Object.values(await client.hGetAll(landedKey)).map((text) => {
        const call = JSON.parse(text) as EffectCall;
        return { executionId: call.executionId, node: call.node, key: call.key, callId: call.callId };
      }),
    close: async () => {
      await client.quit();
    },
  };
}

interface Row {
  execution_id: string;
  node: string;
  worker: string;
  call_id: string;
  key: string;
}

interface LandedRow {
  key: string;
  execution_id: string;
  node: string;
  call_id: string;
}

function fromRow(row: Row): EffectCall {
  return { executionId: row.execution_id, node: row.node, worker: row.worker, callId: row.call_id, key: row.key };
}

function fromLandedRow(row: LandedRow): LandedEffect {
  return { executionId: row.execution_id, node: row.node, key: row.key, callId: row.call_id };
}
