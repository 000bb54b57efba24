import Database from "better-sqlite3";
import { parseRow, type RawDriver, type RawRow } from "./types.js";

/**
 * The floor of SQLite: better-sqlite3 on the same file settings (WAL, synchronous=NORMAL) and the same table and
 * unique index as the store, one prepared statement per operation.
 */
export function openRawSqlite(path: string): RawDriver {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(`CREATE TABLE checkpoints (id TEXT PRIMARY KEY, execution_id TEXT NOT NULL, node_name TEXT NOT NULL,
    state TEXT NOT NULL, metadata TEXT, timestamp INTEGER NOT NULL, version INTEGER NOT NULL, parent_id TEXT,
    next TEXT NOT NULL);
    CREATE UNIQUE INDEX idx_checkpoints_execution_id ON checkpoints (execution_id, version);`);
  const columns = "id, execution_id, node_name, state, metadata, timestamp, version, parent_id, next";
  const insert = db.prepare<[string, string, string, string, string, number, number, string | null, string]>(
    `INSERT INTO checkpoints (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const select = `SELECT ${columns} FROM checkpoints WHERE execution_id = ? ORDER BY version DESC LIMIT ?`;
  const newest = db.prepare<[string, number], unknown[]>(select).raw(true);
  const clear = db.prepare<[string]>("DELETE FROM checkpoints WHERE execution_id = ?");
  return {
    insert: async (r: RawRow) => {
      insert.run(r.id, r.executionId, r.nodeName, r.state, r.metadata, r.timestamp, r.version, r.parentId, r.next);
    },
    latest: async (executionId) => {
      const row = newest.get(executionId, 1);
      return row === undefined ? undefined : parseRow(row);
    },
    newest: async (executionId, limit) => newest.all(executionId, limit).map(parseRow).length,
    clear: async (executionId) => {
      clear.run(executionId);
    },
    close: async () => {
      db.close();
    },
  };
}
