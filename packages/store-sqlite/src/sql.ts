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
  /** `"<table>_items"`: the items incremental rows appended (schema version 3), named after the table for the same reason. */
  items: string;
  /** `"idx_<table>_hidden"`: partial index of the hidden rows, which `stats` subtracts without reading the table. */
  hiddenIndex: string;
  /** `"<table>_executions"`: the execution registry's records (schema version 4). */
  executions: string;
  /** `"idx_<table>_executions_leased"`: partial index of the running records, by lease expiry, for `claim`. */
  leasedIndex: string;
  /** `"idx_<table>_executions_status"`: the records by status and last change, for `claim` (queued) and `counts`. */
  statusIndex: string;
}

/** Derives the quoted object names from a validated table name (letters, digits, `_`). */
export function sqlNames(tableName: string): SqlNames {
  return {
    tableName,
    table: `"${tableName}"`,
    executionIndex: `"idx_${tableName}_execution_id"`,
    migrations: `"${tableName}_migrations"`,
    items: `"${tableName}_items"`,
    hiddenIndex: `"idx_${tableName}_hidden"`,
    executions: `"${tableName}_executions"`,
    leasedIndex: `"idx_${tableName}_executions_leased"`,
    statusIndex: `"idx_${tableName}_executions_status"`,
  };
}

/** The columns every read selects, in this order. */
export const CHECKPOINT_COLUMNS =
  "id, execution_id, node_name, state, metadata, timestamp, version, parent_id, next, tasks";

/** `CHECKPOINT_COLUMNS` with NULL for the state: what `listHeaders` reads, in the same order. */
export const HEADER_COLUMNS = "id, execution_id, node_name, NULL, metadata, timestamp, version, parent_id, next, tasks";

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

/** A {@link CheckpointRow} followed by how the row is kept: `storedRow`'s result. */
export type StoredRow = [...CheckpointRow, kind: string, itemCounts: string | null, hidden: number];

/** A row of `listPlainAsc`: id, version, the checkpoint's JSON text, and 1 when that text may be handed out. */
export type PlainListRow = [id: string, version: number, text: string, ok: number];

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

/**
 * Migration 3: incremental rows (docs/incremental-checkpoints.md). `kind` is `full` (state holds the whole state, as
 * every row before) or `delta` (state holds the channels the step wrote whole, as a JSON object); `hidden` marks a
 * deleted checkpoint kept because later rows read through it; `chain_parent` is the row a delta row continues (a
 * column of its own: merges re-point it, `parent_id` stays the lineage); `item_counts` records how many items the row
 * owns per channel, as `[[channel, count], ...]`, so a missing or extra item row is detected. Adding columns with
 * constant defaults only rewrites the schema, so existing rows become full rows at once, whatever the table's size.
 * The items table is a rowid table: items of ~1 kB fit its leaf pages, where a WITHOUT ROWID table (whose cells
 * are capped at about a quarter page) would spill each into an overflow page of its own.
 */
export function addIncrementalSql(names: SqlNames): string {
  const { table, items, hiddenIndex } = names;
  return `
    ALTER TABLE ${table} ADD COLUMN kind TEXT NOT NULL DEFAULT 'full';
    ALTER TABLE ${table} ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE ${table} ADD COLUMN chain_parent TEXT;
    ALTER TABLE ${table} ADD COLUMN item_counts TEXT;
    CREATE INDEX ${hiddenIndex} ON ${table} (execution_id) WHERE hidden = 1;
    CREATE TABLE ${items} (
      execution_id TEXT NOT NULL,
      owner_id TEXT NOT NULL,
      version INTEGER NOT NULL,
      channel TEXT NOT NULL,
      idx INTEGER NOT NULL,
      value TEXT NOT NULL,
      PRIMARY KEY (owner_id, channel, version, idx)
    );`;
}

/** The statements the store prepares once and reuses. */
export interface StoreSql {
  /** A full row. Positional: id, execution_id, node_name, state, metadata, timestamp, version, parent_id, next, tasks. */
  insert: string;
  /** A delta row: the columns of `insert`, then chain_parent and item_counts. */
  insertDelta: string;
  /** One item. Positional: execution_id, owner_id, version, channel, idx, value. */
  insertItem: string;
  /** By id, hidden rows included: its execution id (plucked). */
  executionOf: string;
  /** By id, hidden rows included: execution id and version, to tell whether a delta row may continue it. */
  parentOf: string;
  /** By id, hidden rows included: the row as stored (`CheckpointRow`), then kind, item_counts and hidden. */
  storedRow: string;
  /** Positional: execution id, afterVersion (exclusive), beforeVersion (exclusive), limit (-1 = none); no state. */
  listHeadersAsc: string;
  /** As `listHeadersAsc`, newest first. */
  listHeadersDesc: string;
  /** `listSerialized`'s first try, with the parameters of `listHeadersAsc`: see {@link PlainListRow}. */
  listPlainAsc: string;
  /** As `listPlainAsc`, newest first. */
  listPlainDesc: string;
  /** By id. */
  unhide: string;
  /** By execution id: the items of its rows, then its rows. */
  clearItems: string;
  /** By execution id. */
  clear: string;
  /** Positional: cursor (exclusive; "" for the first page), limit. Keyset paging over the unique index. */
  listExecutions: string;
  /** Counts (from the indexes) and the bytes of the file's pages in use. */
  stats: string;
}

/**
 * 1 when the JSON columns of the row (columns of the table, or prefixed, e.g. `r.`) are valid JSON: what lets
 * `listSerialized` paste their text as it is. SQLite checks it in C, without building any value.
 */
export function validJsonSql(prefix = ""): string {
  return (
    `json_valid(${prefix}state) AND json_valid(coalesce(${prefix}metadata, '{}')) AND json_valid(${prefix}next) AND ` +
    `json_valid(coalesce(${prefix}tasks, 'null'))`
  );
}

/**
 * The text `serializedCheckpointText` (core) builds, built by SQLite: the stored JSON columns pasted in as they are.
 * Strings are quoted with `json_quote` (a BLOB cast to text first, so that the expression never fails; such a row is
 * not `ok` and is read by the chain read).
 */
const SERIALIZED_TEXT = `'{"id":' || json_quote(CAST(id AS TEXT)) || ',"executionId":' || json_quote(CAST(execution_id AS TEXT))
  || ',"nodeName":' || json_quote(CAST(node_name AS TEXT)) || ',"state":' || state
  || ',"metadata":' || coalesce(metadata, '{}') || ',"timestamp":' || timestamp || ',"version":' || version
  || ',"parentId":' || json_quote(CAST(parent_id AS TEXT)) || ',"next":' || next || ',"tasks":' || coalesce(tasks, 'null')
  || '}'`;

/**
 * 1 when a row's text may be handed out as it is: every column of the type it is written with, the JSON columns valid
 * (checked first: `json_type` fails on invalid JSON, and CASE is the order SQLite promises to evaluate in), metadata
 * an object, task results of the shape core checks, a version `list` accepts, and the row plain — a full row that
 * records no items and owns none, read as any row before incremental storage. Metadata is an object when its valid
 * JSON text starts with `{` (what `save` writes; a text with leading spaces is only sent to the chain read): reading
 * the first character costs less than `json_type` parsing the text again. Only damage puts an item under such a row
 * (a row owning items records them), so the probe of the items' primary key that finds it is skipped while the items
 * table is empty: the subquery without correlation runs once per statement. Anything else, damage included, goes to
 * the chain read, which decodes it and throws the `CheckpointCorruptError` that `list` gives.
 */
function okSql(items: string): string {
  const types = ["id", "execution_id", "node_name", "state", "next"].map((column) => `typeof(${column}) = 'text'`);
  const nullable = ["metadata", "tasks", "parent_id"].map((column) => `typeof(${column}) IN ('text', 'null')`);
  return `CASE WHEN ${[...types, ...nullable].join(" AND ")} AND typeof(timestamp) = 'integer'
      AND typeof(version) = 'integer' AND ${validJsonSql()}
    THEN (metadata IS NULL OR substr(metadata, 1, 1) = '{')
      AND (tasks IS NULL OR (json_type(tasks, '$.nodes') = 'object' AND json_type(tasks, '$.interrupts') = 'array'))
      AND version BETWEEN 1 AND ${Number.MAX_SAFE_INTEGER}
      AND kind = 'full' AND item_counts IS NULL
      AND (NOT EXISTS (SELECT 1 FROM ${items}) OR NOT EXISTS (SELECT 1 FROM ${items} WHERE owner_id = r.id))
    ELSE 0 END`;
}

/**
 * A list without chains, for `listSerialized`: each row's id, version, its checkpoint's JSON text and whether that
 * text may be handed out (see {@link okSql}). A page of such rows is the answer as it is; any other row sends the page
 * to the chain read. Against the chain read (and decoding every row in JavaScript) this saves the recursive CTE, the
 * join to the items, the decoding and, building the text in SQLite, most of the strings JavaScript would allocate:
 * see the CLI's README, section Benchmark, for the figures.
 */
function plainListSql(names: SqlNames, range: string, order: "ASC" | "DESC"): string {
  return `SELECT id, version, ${SERIALIZED_TEXT}, ${okSql(names.items)}
    FROM ${names.table} r ${range} ORDER BY version ${order} LIMIT ?`;
}

/** Builds the statements of {@link StoreSql} for one table. */
export function storeSql(names: SqlNames): StoreSql {
  const { table, items } = names;
  const range = "WHERE execution_id = ? AND hidden = 0 AND version > ? AND version < ?";
  const headers = HEADER_COLUMNS;
  return {
    insert: `INSERT INTO ${table} (${CHECKPOINT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    insertDelta: `INSERT INTO ${table} (${CHECKPOINT_COLUMNS}, kind, chain_parent, item_counts)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'delta', ?, ?)`,
    insertItem: `INSERT INTO ${items} (execution_id, owner_id, version, channel, idx, value) VALUES (?, ?, ?, ?, ?, ?)`,
    executionOf: `SELECT execution_id FROM ${table} WHERE id = ?`,
    parentOf: `SELECT execution_id, version FROM ${table} WHERE id = ?`,
    storedRow: `SELECT ${CHECKPOINT_COLUMNS}, kind, item_counts, hidden FROM ${table} WHERE id = ?`,
    listHeadersAsc: `SELECT ${headers} FROM ${table} ${range} ORDER BY version ASC LIMIT ?`,
    listHeadersDesc: `SELECT ${headers} FROM ${table} ${range} ORDER BY version DESC LIMIT ?`,
    listPlainAsc: plainListSql(names, range, "ASC"),
    listPlainDesc: plainListSql(names, range, "DESC"),
    unhide: `UPDATE ${table} SET hidden = 0 WHERE id = ?`,
    clearItems: `DELETE FROM ${items} WHERE owner_id IN (SELECT id FROM ${table} WHERE execution_id = ?)`,
    clear: `DELETE FROM ${table} WHERE execution_id = ?`,
    // A loose index scan: each step jumps to the next execution id through the index (min() over `> previous`),
    // and each execution's newest checkpoint is one index probe (hidden rows are old ones, so the probe meets a
    // visible row first). A GROUP BY with MAX() read every row of the table to carry the bare `timestamp` along
    // (100,000 checkpoints: 0.58 s for a page of 100 executions, now 0.06 s). CROSS JOIN keeps `ids` the outer loop
    // in SQLite; the final ORDER BY states the order paging relies on rather than trusting the join order (it sorts
    // one page of rows at most). An execution always has a visible row while it has hidden ones (a hidden row is
    // kept only for a checkpoint that reads through it).
    listExecutions: `WITH RECURSIVE ids(execution_id) AS (
        SELECT (SELECT min(execution_id) FROM ${table} WHERE execution_id > ?)
        UNION ALL
        SELECT (SELECT min(execution_id) FROM ${table} WHERE execution_id > ids.execution_id)
        FROM ids WHERE ids.execution_id IS NOT NULL LIMIT ?)
      SELECT ids.execution_id, newest.version AS latest_version, newest.timestamp
      FROM ids CROSS JOIN ${table} newest ON newest.rowid = (
        SELECT rowid FROM ${table} WHERE execution_id = ids.execution_id AND hidden = 0 ORDER BY version DESC LIMIT 1)
      ORDER BY ids.execution_id`,
    // Both counts read only indexes, never the rows (200,000 checkpoints: ~10 ms, where summing the columns' sizes
    // took ~320 ms on the event loop): all rows from the (execution_id, version) index less the hidden ones from the
    // partial index that holds only them. Executions need no correction: one with hidden rows has a visible one.
    // bytes comes from the page counters in the header, hidden rows and items included.
    stats: `SELECT (SELECT COUNT(*) FROM ${table}) - (SELECT COUNT(*) FROM ${table} WHERE hidden = 1) AS checkpoints,
      (SELECT COUNT(DISTINCT execution_id) FROM ${table}) AS executions,
      (SELECT (page_count - freelist_count) * page_size
        FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()) AS bytes`,
  };
}
