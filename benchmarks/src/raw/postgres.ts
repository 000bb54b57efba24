import postgres from "postgres";
import { parseRow, type RawDriver, type RawRow } from "./types.js";

/**
 * The floor of PostgreSQL: postgres.js (prepared statements, a pool of the store's default size) on the same
 * table layout as the store (JSONB state, metadata and next; a unique index on (execution_id, version)), one
 * statement per operation, JSON sent and read as text and parsed in JS, the timestamp read as epoch milliseconds.
 */
export async function openRawPostgres(connString: string, schema: string): Promise<RawDriver> {
  const sql = postgres(connString, { max: 10, onnotice: () => undefined });
  const table = `"${schema}"."checkpoints"`;
  await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await sql.unsafe(`CREATE TABLE ${table} (id TEXT PRIMARY KEY, execution_id TEXT NOT NULL, node_name TEXT NOT NULL,
    state JSONB NOT NULL, metadata JSONB, "timestamp" TIMESTAMPTZ NOT NULL, version INTEGER NOT NULL,
    parent_id TEXT, next JSONB NOT NULL)`);
  await sql.unsafe(`CREATE UNIQUE INDEX ON ${table} (execution_id, version)`);
  await sql.unsafe(`CREATE INDEX ON ${table} ("timestamp")`);
  const insertText =
    `INSERT INTO ${table} (id, execution_id, node_name, state, metadata, "timestamp", version, parent_id, next) ` +
    "VALUES ($1, $2, $3, $4::text::jsonb, $5::text::jsonb, to_timestamp($6::float8 / 1000), $7, $8, $9::text::jsonb)";
  const selectText =
    "SELECT id, execution_id, node_name, state::text, metadata::text, " +
    `(extract(epoch from "timestamp") * 1000)::float8, version, parent_id, next::text ` +
    `FROM ${table} WHERE execution_id = $1 ORDER BY version DESC LIMIT $2`;
  const newest = (executionId: string, limit: number) =>
    sql.unsafe(selectText, [executionId, limit], { prepare: true }).values();
  return {
    insert: async (r: RawRow) => {
      const params = [r.id, r.executionId, r.nodeName, r.state, r.metadata, r.timestamp, r.version, r.parentId, r.next];
      await sql.unsafe(insertText, params, { prepare: true });
    },
    latest: async (executionId) => {
      const rows = await newest(executionId, 1);
      return rows[0] === undefined ? undefined : parseRow(rows[0]);
    },
    newest: async (executionId, limit) => (await newest(executionId, limit)).map(parseRow).length,
    clear: async (executionId) => {
      await sql.unsafe(`DELETE FROM ${table} WHERE execution_id = $1`, [executionId], { prepare: true });
    },
    close: async () => {
      await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await sql.end({ timeout: 5 });
    },
  };
}
