/**
 * SQL text of the store. Every builder takes names already validated by `resolveSqliteOptions`; they are
 * double-quoted here, so nothing from options reaches SQL unquoted (the seed pasted the table name in as is).
 */

/** The quoted names of the objects one store owns in the database file. */
export interface SqlNames {
  /** The unquoted table name, for messages. */
  tableName: string;
  /** `"<table>"`. */
  table: string;
  /** `"idx_<table>_execution_id"`, the seed's index name; unique on (execution_id, version). */
  executionIndex: string;
  /** `"<table>_migrations"`: the schema version of this table, so two stores in one file never clash. */
  migrations: string;
}

/** Derives the quoted object names from a validated table name (letters, digits, `_`). */
export function sqlNames(tableName: string): SqlNames {
  return {
    tableName,
    table: `"${tableName}"`,
    executionIndex: `"idx_${tableName}_execution_id"`,
    migrations: `"${tableName}_migrations"`,
  };
}

/** The columns every read selects, in this order. */
export const CHECKPOINT_COLUMNS =
  "id, execution_id, node_name, state, metadata, timestamp, version, parent_id, next, tasks";

/**
 * One stored row in `CHECKPOINT_COLUMNS` order, as better-sqlite3 returns it in array mode (`statement.raw()`),
 * which skips building an object with named keys for every row read.
 */
export type CheckpointRow = [
  id: string,
  executionId: string,
  nodeName: string,
  /** Encoded state as JSON text. */
  state: string,
  /** Encoded metadata as JSON text; NULL is read as `{}` (the seed allowed NULL). */
  metadata: string | null,
  /** Creation time, epoch milliseconds. */
  timestamp: number,
  version: number,
  parentId: string | null,
  /** JSON array of node names. */
  next: string,
  /** Encoded task results as JSON text; NULL when the checkpoint has none (and on every row of schema version 1). */
  tasks: string | null,
];

/** A {@link CheckpointRow} followed by 1 when its JSON columns are valid JSON, 0 otherwise. */
export type CheckedRow = [...CheckpointRow, valid: number];

/**
 * Migration 1: the seed's table plus `parent_id` and `next`. `timestamp` holds epoch milliseconds as an INTEGER
 * rather than the seed's DATETIME text: it is exact to the millisecond, compares and sorts as a number (prune's
 * `olderThan`), and needs no date parsing on read. The seed's `idx_<table>_execution_id` is UNIQUE on
 * (execution_id, version): one index both refuses a second writer of a version (the optimistic-concurrency check)
 * and serves `latest`, `list` and `listExecutions` in version order.
 */
export function createSchemaSql(names: SqlNames): string {
  return `
    CREATE TABLE ${names.table} (
      id TEXT PRIMARY KEY,
      execution_id TEXT NOT NULL,
      node_name TEXT NOT NULL,
      state TEXT NOT NULL,
      metadata TEXT,
      timestamp INTEGER NOT NULL,
      version INTEGER NOT NULL,
      parent_id TEXT,
      next TEXT NOT NULL
    );
    CREATE UNIQUE INDEX ${names.executionIndex} ON ${names.table} (execution_id, version);`;
}

/**
 * Migration 2: the `tasks` column, the checkpoint's task results (`Checkpoint.tasks`) encoded like `state`. Nullable,
 * so existing rows keep NULL: core still reads the pause records that older releases kept in metadata, and adding a
 * nullable column without a default only rewrites the schema, not the rows (instant on any table size).
 */
export function addTasksColumnSql(names: SqlNames): string {
  return `ALTER TABLE ${names.table} ADD COLUMN tasks TEXT`;
}

/** The statements the store prepares once and reuses. */
export interface StoreSql {
  /** Positional: id, execution_id, node_name, state, metadata, timestamp, version, parent_id, next, tasks. */
  insert: string;
  /** By id. */
  load: string;
  /** By execution id: the row with the highest version. */
  latest: string;
  /** Positional: execution id, afterVersion (exclusive), beforeVersion (exclusive), limit (-1 = none). */
  listAsc: string;
  /** As `listAsc`, newest first. */
  listDesc: string;
  /**
   * As `listAsc`, each row followed by a column that is 1 when its JSON columns are valid JSON (checked by SQLite's
   * `json_valid`, without building any value): `listSerialized` pastes them into its text as they are.
   */
  listAscChecked: string;
  /** As `listAscChecked`, newest first. */
  listDescChecked: string;
  /** By id. */
  deleteById: string;
  /** By execution id. */
  clear: string;
  /**
   * Named: `$executionId`, `$keepOffset` (keepLast - 1), `$cutoff` (epoch ms, exclusive), `$protect` (JSON array).
   * One DELETE with the rules of core's `selectPruneVictims`: rows older than the `keepLast`-th newest version
   * (the newest always stays, since keepLast is at least 1), before the cutoff, and not protected. When the
   * execution has fewer than keepLast rows the subquery is NULL and nothing matches.
   */
  prune: string;
  /** Positional: cursor (exclusive; "" for the first page), limit. Keyset paging over the unique index. */
  listExecutions: string;
  /** Counts (from the index) and the bytes of the file's pages in use. */
  stats: string;
}

/** Builds the statements of {@link StoreSql} for one table. */
export function storeSql(names: SqlNames): StoreSql {
  const { table } = names;
  const select = `SELECT ${CHECKPOINT_COLUMNS} FROM ${table}`;
  const range = "WHERE execution_id = ? AND version > ? AND version < ?";
  const checked =
    `SELECT ${CHECKPOINT_COLUMNS}, json_valid(state) AND json_valid(coalesce(metadata, '{}')) AND json_valid(next) ` +
    `AND json_valid(coalesce(tasks, 'null')) FROM ${table}`;
  return {
    insert: `INSERT INTO ${table} (${CHECKPOINT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    load: `${select} WHERE id = ?`,
    latest: `${select} WHERE execution_id = ? ORDER BY version DESC LIMIT 1`,
    listAsc: `${select} ${range} ORDER BY version ASC LIMIT ?`,
    listDesc: `${select} ${range} ORDER BY version DESC LIMIT ?`,
    listAscChecked: `${checked} ${range} ORDER BY version ASC LIMIT ?`,
    listDescChecked: `${checked} ${range} ORDER BY version DESC LIMIT ?`,
    deleteById: `DELETE FROM ${table} WHERE id = ?`,
    clear: `DELETE FROM ${table} WHERE execution_id = ?`,
    prune: `DELETE FROM ${table}
      WHERE execution_id = $executionId
        AND version < (SELECT version FROM ${table} WHERE execution_id = $executionId
                       ORDER BY version DESC LIMIT 1 OFFSET $keepOffset)
        AND timestamp < $cutoff
        AND id NOT IN (SELECT value FROM json_each($protect))`,
    // A loose index scan: each step jumps to the next execution id through the index (min() over `> previous`),
    // and each execution's newest row is one index probe. A GROUP BY with MAX() read every row of the table to
    // carry the bare `timestamp` along (100,000 checkpoints: 0.58 s for a page of 100 executions, now 0.06 s).
    // CROSS JOIN keeps `ids` the outer loop in SQLite; the final ORDER BY states the order paging relies on rather
    // than trusting the join order (it sorts one page of rows at most).
    listExecutions: `WITH RECURSIVE ids(execution_id) AS (
        SELECT (SELECT min(execution_id) FROM ${table} WHERE execution_id > ?)
        UNION ALL
        SELECT (SELECT min(execution_id) FROM ${table} WHERE execution_id > ids.execution_id)
        FROM ids WHERE ids.execution_id IS NOT NULL LIMIT ?)
      SELECT ids.execution_id, newest.version AS latest_version, newest.timestamp
      FROM ids CROSS JOIN ${table} newest ON newest.rowid = (
        SELECT rowid FROM ${table} WHERE execution_id = ids.execution_id ORDER BY version DESC LIMIT 1)
      ORDER BY ids.execution_id`,
    // Both counts read only the (execution_id, version) index, never the rows (200,000 checkpoints: ~10 ms, where
    // summing the columns' sizes took ~320 ms on the event loop). bytes comes from the page counters in the header.
    stats: `SELECT (SELECT COUNT(*) FROM ${table}) AS checkpoints,
      (SELECT COUNT(DISTINCT execution_id) FROM ${table}) AS executions,
      (SELECT (page_count - freelist_count) * page_size
        FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()) AS bytes`,
  };
}
