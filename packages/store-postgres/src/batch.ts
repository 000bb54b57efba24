import { CheckpointConflictError, type Checkpoint } from "@lg/core";
import { sameCheckpoint } from "@lg/core/store";
import type { TransactionSql } from "postgres";
import type { SaveParams } from "./rows.js";
import { BatchCol, type CheckpointStatements } from "./sql.js";

/**
 * The parameters and outcomes of `saveMany`, whose statements (`saveBatch`, `classifyBatch` in `sql.ts`) take the
 * save's ten parameters as ten arrays.
 *
 * @packageDocumentation
 */

/**
 * One column of a batch: a PostgreSQL array literal with one element per checkpoint. The store's own client does
 * not load postgres.js's array-type catalog (see `createClient`), so it could not send a JavaScript array as
 * `text[]`; a literal is read the same by every client.
 */
export type BatchParam = string;

const SAVE_COLUMN_INDEXES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;

/** Thrown inside `saveMany`'s transaction to roll it back and run the batch again. */
class RetryBatch extends Error {}

/** `{"a","b\"c",NULL,7}` for `["a", 'b"c', null, 7]`: texts quoted, `"` and `\` escaped; NULL bare; numbers as they are. */
export function arrayLiteral(values: readonly (string | number | null)[]): string {
  const elements = values.map((value) =>
    value === null ? "NULL" : typeof value === "number" ? String(value) : `"${value.replace(/["\\]/g, "\\$&")}"`,
  );
  return `{${elements.join(",")}}`;
}

/** The save parameters of a batch as one array per column, the parameters of `saveBatch` and `classifyBatch`. */
export function toBatchColumns(items: readonly SaveParams[]): BatchParam[] {
  return SAVE_COLUMN_INDEXES.map((column) => arrayLiteral(items.map((item) => item[column])));
}

/** The conflict of the batch item at 1-based `position`. */
export function batchConflict(items: readonly SaveParams[], position: number): CheckpointConflictError {
  const item = items[position - 1] as SaveParams;
  return new CheckpointConflictError(item[1], item[6]);
}

/** Reads a stored row back whole (hidden or not) inside the batch's transaction. */
export type ReadStored = (tx: TransactionSql, id: string) => Promise<Checkpoint | undefined>;

/**
 * Writes a batch inside `tx`: one INSERT of every item; when it inserted fewer rows than there are items, one
 * statement classifies them all, and the first conflicting item rejects (rolling the transaction back). An item whose
 * row is stored incrementally is compared with that row read back whole (`readStored`); an identical item whose row
 * is hidden shows it again. An item held by no row lost its blocking row to a delete after the insert: the transaction
 * is rolled back with a marker that {@link unlessRetry} turns into `false`, so the caller runs the batch again.
 */
export async function writeBatch(
  tx: TransactionSql,
  statements: CheckpointStatements,
  columns: BatchParam[],
  items: readonly SaveParams[],
  checkpoints: readonly Checkpoint[],
  readStored: ReadStored,
): Promise<boolean> {
  const inserted = (await tx.unsafe(statements.saveBatch, columns, { prepare: true })).count;
  if (inserted === items.length) return true;
  const outcomes = (await tx.unsafe(statements.classifyBatch, columns, { prepare: true }).values()) as unknown[][];
  const holders = (row: unknown[]): number => Number(row[BatchCol.Holders]);
  const conflict = outcomes.find(
    (row) => holders(row) > 0 && row[BatchCol.Same] !== true && (row[BatchCol.Compare] !== true || holders(row) !== 1),
  );
  if (conflict !== undefined) throw batchConflict(items, Number(conflict[BatchCol.Position]));
  if (outcomes.some((row) => holders(row) === 0)) throw new RetryBatch();
  for (const row of outcomes) {
    const position = Number(row[BatchCol.Position]);
    const checkpoint = checkpoints[position - 1] as Checkpoint;
    if (row[BatchCol.Compare] === true) {
      const stored = await readStored(tx, checkpoint.id);
      if (stored === undefined) throw new RetryBatch();
      if (!sameCheckpoint(stored, checkpoint)) throw batchConflict(items, position);
    }
    if (row[BatchCol.Hidden] === true && holders(row) > 0) {
      await tx.unsafe(statements.unhide, [checkpoint.id], { prepare: true });
    }
  }
  return true;
}

/** `false` for the marker of a batch to run again; rethrows anything else. */
export function unlessRetry(error: unknown): false {
  if (error instanceof RetryBatch) return false;
  throw error;
}
