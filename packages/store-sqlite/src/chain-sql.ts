/**
 * SQL that reads checkpoints kept incrementally (docs/incremental-checkpoints.md): one statement per read returns
 * the checkpoints asked for and every row their states are folded from, each row with its items, and the
 * statements that delete checkpoints without breaking the chains that read through them.
 *
 * @packageDocumentation
 */
import { validJsonSql, type SqlNames } from "./sql.js";

/** The header columns of a checkpoint (all but id and state), in `CHECKPOINT_COLUMNS` order. */
const HEADER_COLUMNS = ["execution_id", "node_name", "metadata", "timestamp", "version", "parent_id", "next", "tasks"];

/**
 * One record of a chain read: a row of the chain with one of its items (or none). A row owning several items comes in
 * as many records; one of them carries the row's state, the others have NULL there — `state`, NOT NULL in the table,
 * tells them apart. A row only read through has no header at all; it is never decoded. The chain follows links within
 * the checkpoint's execution only: a link to another execution reads as a missing row.
 *
 * A read of one checkpoint packs the header of the checkpoint asked for into one JSON text (column 1); a list, whose
 * every row may be asked for, returns it as columns after the item (8 to 15). Every column of every record costs the
 * driver, a NULL nearly as much as a value: the statement of a 1,000-row chain took a fifth less time with one
 * header column than with eight mostly NULL ones (2.7 against 3.5 ms), for about 1 µs more on a read of one small
 * row (packing and parsing its header), which a list would pay on each of its rows.
 */
export type ChainRecord = [
  id: string,
  /** NULL for a row only read through; else the packed header (a read of one checkpoint) or 1 (a list). */
  header: string | number | null,
  /** The state column as JSON text (NULL on a row's further records). */
  state: string | null,
  /** `full` or `delta`. */
  kind: string | null,
  /** The row a delta row continues (`chain_parent`). */
  link: string | null,
  /** The recorded item counts: JSON `[[channel, count], ...]`, or NULL for none. */
  itemCounts: string | null,
  /**
   * The item's channel; NULL when the row owns no item. A row's items come in the order of the items table's primary
   * key (owner, channel, version, idx), which the join reads them through: per channel, oldest first.
   */
  itemChannel: string | null,
  /** The item, encoded, as JSON text. */
  itemValue: string | null,
  /**
   * Lists only: the header columns of a checkpoint asked for (execution id, node name, metadata, timestamp, version,
   * parent id, next, tasks) and, for `listSerialized`, 1 when its JSON columns are valid JSON.
   */
  ...listColumns: (string | number | null)[],
];

/** The chain reads the store prepares. */
export interface ChainSql {
  /** By id: a visible checkpoint and the rows it reads through. */
  readById: string;
  /** By id, hidden rows too (to compare a re-saved checkpoint with what is stored). */
  readAnyById: string;
  /** By execution id: its newest checkpoint and the rows it reads through. */
  readLatest: string;
  /** Positional: execution id, afterVersion (exclusive), beforeVersion (exclusive), limit (-1 = none). */
  readListAsc: string;
  /** As `readListAsc`, newest first. */
  readListDesc: string;
  /** As `readListAsc`, with the `valid` column for `listSerialized`. */
  readListAscChecked: string;
  /** As `readListAscChecked`, newest first. */
  readListDescChecked: string;
}

/**
 * A chain read. `selection` picks the checkpoints asked for; a recursive CTE follows `chain_parent` from them up to
 * their full rows, each step to an older version (so a corrupt loop ends, and a link to a row that is not older reads
 * as a missing row; UNION drops a row met twice, so forks read their shared rows once; a listed row is entered once,
 * as listed, and its own parents follow from it). The CTE carries what a step needs (kind, link, version, execution)
 * and each row's rowid, so a step looks up only the parent, and the final select fetches each row again by its
 * integer key (a third cheaper than by id for a 1,000-row chain). Each row is joined to its items through their
 * primary key, which hands them over in order without a sort: per row and channel, oldest first, so no order
 * columns are returned (every column costs: two integers per item were an eighth of a 1,000-row read).
 *
 * A row's state comes with one of its records only, so the state of a row with many items is not repeated: the
 * record of its first item in the primary key's order (one index probe per record, where min(rowid) would walk the
 * row's whole range for each of its items), or at once when the row recorded a single item, the usual delta row. A
 * checkpoint asked for has its header on each of its records.
 *
 * Aggregating each row's items in SQL instead (with the ORDER BY an aggregate needs) took 3x as long for a 1,000-row
 * chain, and returning rows and items as separate records a fifth longer. CROSS JOIN keeps the chain the outer loop:
 * on an analyzed table SQLite otherwise chose to scan the whole table and probe the chain. The chain is checked in
 * JavaScript (chain-read.ts): a missing row, a loop or items other than the recorded counts are
 * `CheckpointCorruptError`.
 */
function chainRead(names: SqlNames, selection: string, options: { many: boolean; checked: boolean }): string {
  const { table, items } = names;
  const wanted = (column: string): string => `CASE WHEN c.wanted THEN ${column} END`;
  const columns = HEADER_COLUMNS.map((column) => `r.${column}`);
  // A BLOB (written by hand: the store writes none) would stop json_array; as text it reads as corrupt JSON.
  const packed = columns.map((column) => `iif(typeof(${column}) = 'blob', CAST(${column} AS TEXT), ${column})`);
  const header = options.many ? "nullif(c.wanted, 0)" : wanted(`json_array(${packed.join(", ")})`);
  const valid = options.checked ? `, ${wanted(validJsonSql("r."))}` : "";
  const listColumns = options.many ? `, ${columns.map(wanted).join(", ")}${valid}` : "";
  // A read of one checkpoint seeds the chain with it directly (`selection` is its WHERE clause) and follows one
  // chain, whose versions strictly decrease (a delta row is only written below an older parent): UNION ALL ends
  // without UNION's duplicate check (2 µs of a 13 µs read of a full row). A list materializes the rowids its
  // `selection` picks once, for the seed and to keep a listed row from entering again as another's parent; forks
  // share rows, so it keeps UNION.
  const seedColumns = "rowid, id, 1, kind, chain_parent, version, execution_id";
  const seed = options.many
    ? `SELECT ${seedColumns} FROM ${table} WHERE rowid IN listed`
    : `SELECT * FROM (SELECT ${seedColumns} FROM ${table} ${selection})`;
  const notListed = options.many ? " AND p.rowid NOT IN listed" : "";
  return `WITH RECURSIVE ${options.many ? `listed(rid) AS MATERIALIZED (${selection}),` : ""}
    chain(rid, id, wanted, kind, link, version, execution) AS (
      ${seed}
      ${options.many ? "UNION" : "UNION ALL"}
      SELECT p.rowid, p.id, 0, p.kind, p.chain_parent, p.version, p.execution_id
        FROM chain CROSS JOIN ${table} p ON p.id = chain.link AND p.execution_id = chain.execution
      WHERE chain.kind = 'delta' AND p.version < chain.version${notListed})
    SELECT c.id, ${header},
      CASE WHEN i.rowid IS NULL OR r.item_counts = '[[' || json_quote(i.channel) || ',1]]' OR i.rowid = (
        SELECT rowid FROM ${items} WHERE owner_id = c.id ORDER BY channel, version, idx LIMIT 1) THEN r.state END,
      c.kind, c.link, r.item_counts, i.channel, i.value${listColumns}
    FROM chain c CROSS JOIN ${table} r ON r.rowid = c.rid LEFT JOIN ${items} i ON i.owner_id = c.id`;
}

/** Builds the chain reads of {@link ChainSql} for one table. */
export function chainSql(names: SqlNames): ChainSql {
  const { table } = names;
  const range = `SELECT rowid FROM ${table} WHERE execution_id = ? AND hidden = 0 AND version > ? AND version < ?`;
  const one = { many: false, checked: false };
  const many = { many: true, checked: false };
  const checked = { many: true, checked: true };
  return {
    readById: chainRead(names, "WHERE id = ? AND hidden = 0", one),
    readAnyById: chainRead(names, "WHERE id = ?", one),
    readLatest: chainRead(names, "WHERE execution_id = ? AND hidden = 0 ORDER BY version DESC LIMIT 1", one),
    readListAsc: chainRead(names, `${range} ORDER BY version ASC LIMIT ?`, many),
    readListDesc: chainRead(names, `${range} ORDER BY version DESC LIMIT ?`, many),
    readListAscChecked: chainRead(names, `${range} ORDER BY version ASC LIMIT ?`, checked),
    readListDescChecked: chainRead(names, `${range} ORDER BY version DESC LIMIT ?`, checked),
  };
}

/** Statements that delete checkpoints row by row (removal.ts), following core's `planRowRemoval`. */
export interface RemovalSql {
  /** By execution id, hidden rows too: id, chain_parent, version, hidden, timestamp. */
  rowHeaders: string;
  /** By id: kind, state, item_counts — what a merge rewrites. */
  mergeSource: string;
  /** Positional: kind, state, item_counts, id. */
  rewrite: string;
  /** Positional: new owner, old owner. */
  reownItems: string;
  /** Positional: owner, channel: the items a newer row's whole value replaced. */
  dropChannelItems: string;
  /** Positional: new link, execution id, old link. */
  repoint: string;
  /** By id. */
  hide: string;
  /** By owner id. */
  deleteItems: string;
  /** By id. */
  deleteRow: string;
}

/** Builds the statements of {@link RemovalSql} for one table. */
export function removalSql(names: SqlNames): RemovalSql {
  const { table, items } = names;
  return {
    rowHeaders: `SELECT id, chain_parent, version, hidden, timestamp FROM ${table} WHERE execution_id = ?`,
    mergeSource: `SELECT kind, state, item_counts FROM ${table} WHERE id = ?`,
    rewrite: `UPDATE ${table} SET kind = ?, state = ?, item_counts = ? WHERE id = ?`,
    reownItems: `UPDATE ${items} SET owner_id = ? WHERE owner_id = ?`,
    dropChannelItems: `DELETE FROM ${items} WHERE owner_id = ? AND channel = ?`,
    repoint: `UPDATE ${table} SET chain_parent = ? WHERE execution_id = ? AND chain_parent = ?`,
    hide: `UPDATE ${table} SET hidden = 1 WHERE id = ?`,
    deleteItems: `DELETE FROM ${items} WHERE owner_id = ?`,
    deleteRow: `DELETE FROM ${table} WHERE id = ?`,
  };
}
