import { keyMatch } from "./keys.js";

/**
 * The statements of `delete`, `prune` and `clear` on an incremental table, run inside one transaction (see
 * `removal.ts`). Execution-scoped ones take the execution id as `$1` and find its rows through the execution key index;
 * id arrays travel as array literals (`batch.ts`).
 *
 * @packageDocumentation
 */

/** Positions of the columns of {@link RemovalStatements.rowHeaders} rows. */
export const HeaderCol = { Id: 0, ChainId: 1, Version: 2, Hidden: 3, TimestampMs: 4 } as const;

/** Positions of the columns of {@link RemovalStatements.rowStates} rows. */
export const StateCol = { Id: 0, Kind: 1, State: 2, Counts: 3 } as const;

/** The statements of the removal transaction. */
export interface RemovalStatements {
  /**
   * Locks every row of the execution `FOR UPDATE`: a save continuing one of them locks its parent `FOR KEY SHARE`,
   * so once this returns no save is linking a new row to a row this transaction may remove, and the next statement
   * (a new snapshot) sees every row saved before. Param: execution_id.
   */
  lock: string;
  /** Every row of the execution, hidden ones too: id, chain_id, version, hidden, timestamp ms. */
  rowHeaders: string;
  /** The kind, state and item counts of some rows; params: execution_id, ids (array literal). */
  rowStates: string;
  /** Writes a merged row; params: id, kind, state (JSON text), item counts (JSON text or NULL). */
  writeRow: string;
  /** Deletes the items of row `$1` in channels `$2` (array literal): the merged child wrote them whole. */
  dropItems: string;
  /** Hands the items of row `$1` to row `$2`. */
  reownItems: string;
  /** Re-points the chain links of the execution `$1` from row `$2` to row `$3`. */
  repoint: string;
  /** Hides rows; params: execution_id, ids (array literal). */
  hide: string;
  /** Deletes rows and their items; params: execution_id, ids (array literal). */
  remove: string;
  /** Deletes every row of the execution and their items; param: execution_id. */
  clear: string;
}

/** Builds the removal statements of table `t` (items in `items`), with `ofExecution` matching `$1`. */
export function removalStatements(t: string, items: string, ofExecution: string): RemovalStatements {
  const byId = (value: string): string => keyMatch("id", value);
  const deleteWithItems = (where: string): string =>
    `WITH gone AS (DELETE FROM ${t} WHERE ${where} RETURNING id) ` +
    `DELETE FROM ${items} i USING gone WHERE ${keyMatch("i.owner_id", "gone.id")}`;
  return {
    lock: `SELECT count(*)::int FROM (SELECT 1 FROM ${t} WHERE ${ofExecution} FOR UPDATE) locked`,
    rowHeaders:
      'SELECT id, chain_id, version, hidden, round(extract(epoch from "timestamp") * 1000)::float8 ' +
      `FROM ${t} WHERE ${ofExecution}`,
    rowStates: `SELECT id, kind, state::text, item_counts::text FROM ${t} WHERE ${ofExecution} AND id = ANY($2::text[])`,
    writeRow:
      `UPDATE ${t} SET kind = $2::text, state = $3::text::jsonb, item_counts = $4::text::jsonb ` +
      `WHERE ${byId("$1::text")}`,
    dropItems: `DELETE FROM ${items} WHERE ${keyMatch("owner_id", "$1::text")} AND channel = ANY($2::text[])`,
    reownItems: `UPDATE ${items} SET owner_id = $2::text WHERE ${keyMatch("owner_id", "$1::text")}`,
    repoint: `UPDATE ${t} SET chain_id = $3::text WHERE ${ofExecution} AND chain_id = $2::text`,
    hide: `UPDATE ${t} SET hidden = true WHERE ${ofExecution} AND id = ANY($2::text[])`,
    remove: deleteWithItems(`${ofExecution} AND id = ANY($2::text[])`),
    clear: deleteWithItems(ofExecution),
  };
}
