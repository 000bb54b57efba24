import type { StoreSpec } from "../kill/stores.js";

/** One call of a counted effect, as the effect itself wrote it down. */
export interface EffectCall {
  /** The execution and node whose `context.step` called the effect. */
  executionId: string;
  node: string;
  /** The worker process that called it. */
  worker: string;
  /** Unique per call (worker id and a counter): what the step records and the node appends to the state. */
  callId: string;
}

/**
 * The side table the chaos graph's effects count their calls in, kept in the store's own backend but outside the
 * store (a table of the SQLite file, a table of the PostgreSQL schema, a list under the Redis prefix): a call is
 * written there the moment the effect runs, whatever becomes of the step that ran it.
 */
export interface EffectLog {
  /** Writes down one call; resolves once it is durable. */
  record(call: EffectCall): Promise<void>;
  /** Every call written down so far, by anyone. */
  calls(): Promise<EffectCall[]>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Name of the side table (SQLite, PostgreSQL) or key suffix (Redis). */
const TABLE = "chaos_effects";

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
  if (create)
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (execution_id TEXT NOT NULL, node TEXT NOT NULL, worker TEXT NOT NULL, call_id TEXT NOT NULL)`,
    );
  const insert = db.prepare(`INSERT INTO ${TABLE} (execution_id, node, worker, call_id) VALUES (?, ?, ?, ?)`);
  const select = db.prepare(`SELECT execution_id, node, worker, call_id FROM ${TABLE} ORDER BY rowid`);
  return {
    record: (call) => {
      insert.run(call.executionId, call.node, call.worker, call.callId);
      return Promise.resolve();
    },
    calls: () => Promise.resolve((select.all() as Row[]).map(fromRow)),
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
  if (create)
    await sql`CREATE TABLE IF NOT EXISTS ${table} (id BIGSERIAL PRIMARY KEY, execution_id TEXT NOT NULL, node TEXT NOT NULL, worker TEXT NOT NULL, call_id TEXT NOT NULL)`;
  return {
    record: async (call) => {
      await sql`INSERT INTO ${table} (execution_id, node, worker, call_id) VALUES (${call.executionId}, ${call.node}, ${call.worker}, ${call.callId})`;
    },
    calls: async () =>
      (await sql<Row[]>`SELECT execution_id, node, worker, call_id FROM ${table} ORDER BY id`).map(fromRow),
    close: () => sql.end({ timeout: 5 }),
  };
}

async function openRedisLog(url: string, key: string): Promise<EffectLog> {
  const { createClient } = await import("redis");
  const client = createClient({ url });
  await client.connect();
  return {
    record: async (call) => {
      await client.rPush(key, JSON.stringify(call));
    },
    calls: async () => (await client.lRange(key, 0, -1)).map((text) => JSON.parse(text) as EffectCall),
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
}

function fromRow(row: Row): EffectCall {
  return { executionId: row.execution_id, node: row.node, worker: row.worker, callId: row.call_id };
}
