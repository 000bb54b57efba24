/**
 * SQL that reads checkpoints kept incrementally (docs/incremental-checkpoints.md): one statement per read returns
 * the checkpoints asked for and every row their states are folded from, each row with its items, and the
 * statements that delete checkpoints without breaking the chains that read through them.
 *
 * @packageDocumentation
 */
import type { CheckpointRow, SqlNames } from "./sql.js";

/**
 * One row of a chain read: the stored row in `CHECKPOINT_COLUMNS` order (metadata, next and tasks only for the
 * checkpoints asked for; NULL for the rows read through), then how it is kept and what it owns.
 */
export type ChainRow = [
  ...CheckpointRow,
  /** `full` or `delta`. */
  kind: string,
  /** The row a delta row continues (`chain_parent`). */
  link: string | null,
  hidden: number,
  /** The recorded item counts: JSON `[[channel, count], ...]`, or NULL for none. */
  itemCounts: string | null,
  /** JSON array of the channel of every item the row owns, in the order of `items`. */
  itemChannels: string,
  /** JSON array of the items the row owns, by channel then version then index; NULL when it owns none. */
  items: string | null,
  /** 1 for a checkpoint asked for, 0 for a row only read through. */
  wanted: number,
  /** `listSerialized`'s reads only: 1 when the JSON columns of a checkpoint asked for are valid JSON. */
  valid?: number,
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
 * A chain read: `listed` selects the ids of the checkpoints asked for; a recursive CTE follows `chain_parent` from
 * them up to their full rows (UNION drops a row met twice, so forks read their shared rows once and a corrupt loop
 * ends); each row comes with its items aggregated in SQL — one text per row whatever the number of items — in the
 * order folding appends them. CROSS JOIN keeps the chain the outer loop: on an analyzed table SQLite otherwise
 * chose to scan the whole table and probe the chain. The chain is checked in JavaScript (chain-read.ts): a missing row, a loop, a row
 * of another execution or item counts that differ from the recorded ones are `CheckpointCorruptError`.
 */
function chainRead(names: SqlNames, listed: string, checked: boolean): string {
  const { table, items } = names;
  const valid = checked
    ? `, CASE WHEN c.wanted THEN json_valid(r.state) AND json_valid(coalesce(r.metadata, '{}')) AND ` +
      `json_valid(r.next) AND json_valid(coalesce(r.tasks, 'null')) ELSE 1 END`
    : "";
  return `WITH RECURSIVE listed(id) AS MATERIALIZED (${listed}),
    chain(id) AS (
      SELECT id FROM listed
      UNION
      SELECT r.chain_parent FROM chain CROSS JOIN ${table} r ON r.id = chain.id
      WHERE r.kind = 'delta' AND r.chain_parent IS NOT NULL)
    SELECT r.id, r.execution_id, r.node_name, r.state, CASE WHEN c.wanted THEN r.metadata END, r.timestamp,
      r.version, r.parent_id, CASE WHEN c.wanted THEN r.next END, CASE WHEN c.wanted THEN r.tasks END,
      r.kind, r.chain_parent, r.hidden, r.item_counts,
      (SELECT json_group_array(i.channel ORDER BY i.channel, i.version, i.idx) FROM ${items} i WHERE i.owner_id = r.id),
      (SELECT '[' || group_concat(i.value, ',' ORDER BY i.channel, i.version, i.idx) || ']'
        FROM ${items} i WHERE i.owner_id = r.id),
      c.wanted${valid}
    FROM (SELECT id, id IN listed AS wanted FROM chain) c CROSS JOIN ${table} r ON r.id = c.id`;
}

/** Builds the chain reads of {@link ChainSql} for one table. */
export function chainSql(names: SqlNames): ChainSql {
  const { table } = names;
  const range = `SELECT id FROM ${table} WHERE execution_id = ? AND hidden = 0 AND version > ? AND version < ?`;
  return {
    readById: chainRead(names, `SELECT id FROM ${table} WHERE id = ? AND hidden = 0`, false),
    readAnyById: chainRead(names, `SELECT id FROM ${table} WHERE id = ?`, false),
    readLatest: chainRead(
      names,
      `SELECT id FROM ${table} WHERE execution_id = ? AND hidden = 0 ORDER BY version DESC LIMIT 1`,
      false,
    ),
    readListAsc: chainRead(names, `${range} ORDER BY version ASC LIMIT ?`, false),
    readListDesc: chainRead(names, `${range} ORDER BY version DESC LIMIT ?`, false),
    readListAscChecked: chainRead(names, `${range} ORDER BY version ASC LIMIT ?`, true),
    readListDescChecked: chainRead(names, `${range} ORDER BY version DESC LIMIT ?`, true),
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
