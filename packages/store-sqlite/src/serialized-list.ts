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

/** The page as stored text when every row of it may be handed out; `undefined` when any may not (the chain read answers). */
export function plainPage(rows: readonly PlainListRow[]): SerializedCheckpoint[] | undefined {
  if (!rows.every((row) => row[3] === 1)) return undefined;
  return Array.from(rows, ([id, version, text]) => ({ id, version, text }));
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
