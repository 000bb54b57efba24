/**
 * `listSerialized`'s answers: a page of plain rows as their stored text, or a chain read's checkpoints, a delta row's
 * state folded and encoded again.
 *
 * @packageDocumentation
 */
import type { SerializedCheckpoint } from "@lg/core";
import { encodeValue } from "@lg/core/store";
import type { ReadCheckpoint } from "./chain-read.js";
import { rowToSerialized } from "./rows.js";
import type { CheckpointRow, PlainListRow } from "./sql.js";

// Columns of a PlainListRow after the stored row: valid JSON, plain row.
const VALID = 10;
const PLAIN = 11;

/** The page as stored text when every row of it is plain; `undefined` when any is not (the chain read answers). */
export function plainPage(rows: readonly PlainListRow[]): SerializedCheckpoint[] | undefined {
  if (!rows.every((row) => row[PLAIN] === 1)) return undefined;
  return Array.from(rows, (row) => rowToSerialized(row, row[VALID]));
}

/** The checkpoints of a chain read (with its `valid` column) as stored text. */
export function serializeRead(read: readonly ReadCheckpoint[]): SerializedCheckpoint[] {
  return Array.from(read, ({ row, valid, checkpoint, plain }) => {
    if (plain) return rowToSerialized(row, valid);
    // The header columns were decoded while reading, so they are valid JSON to paste; the state is folded.
    const state = JSON.stringify(encodeValue(checkpoint.state, "state"));
    return rowToSerialized([...row.slice(0, 3), state, ...row.slice(4, 10)] as CheckpointRow, 1);
  });
}
