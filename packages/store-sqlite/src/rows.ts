import { type Checkpoint, type SerializedCheckpoint } from "@lg/core";
import {
  TAG,
  decodeCheckpoint,
  encodeCheckpoint,
  jsonTextEqual,
  parseJsonColumn,
  serializedCheckpointText,
  type EncodedCheckpoint,
  type JsonValue,
} from "@lg/core/store";
import type { CheckpointRow } from "./sql.js";

/** A row that starts with the columns of a {@link CheckpointRow} (a chain read's rows carry more after them). */
export type CheckpointColumns = readonly [...CheckpointRow, ...unknown[]];

/** The INSERT parameters of one checkpoint: exactly the row that will be stored, in `CHECKPOINT_COLUMNS` order. */
export type InsertParams = CheckpointRow;

/**
 * Validates and encodes a checkpoint through core's codec (so every backend accepts and rejects the same
 * values) and lays it out as INSERT parameters.
 */
export function checkpointToParams(cp: Checkpoint): InsertParams {
  const enc = encodeCheckpoint(cp);
  return encodedToParams(enc, JSON.stringify(enc.state));
}

/** An encoded checkpoint as INSERT parameters, with `stateText` in the state column. */
export function encodedToParams(enc: EncodedCheckpoint, stateText: string): InsertParams {
  return [
    enc.id,
    enc.executionId,
    enc.nodeName,
    stateText,
    JSON.stringify(enc.metadata),
    enc.timestamp,
    enc.version,
    enc.parentId,
    JSON.stringify(enc.next),
    enc.tasks === undefined || enc.tasks === null ? null : JSON.stringify(enc.tasks),
  ];
}

// The JSON text columns, and what a NULL in them reads as.
const JSON_COLUMNS = new Map<number, string | null>([
  [3, null], // state
  [4, "{}"], // metadata
  [8, null], // next
  [9, null], // tasks (NULL: none; a re-save without tasks matches it by the equality check above)
]);

/**
 * True when a stored row holds what `params` would insert (an idempotent re-save): every column equal, JSON
 * columns compared structurally when their text differs (core's `jsonTextEqual`: object keys in any order).
 */
export function rowMatchesParams(row: CheckpointRow, params: InsertParams): boolean {
  if (row.length !== params.length) return false;
  return row.every((value, column) => {
    const wanted = params[column];
    if (value === wanted) return true;
    if (!JSON_COLUMNS.has(column) || typeof wanted !== "string") return false;
    const stored = value ?? JSON_COLUMNS.get(column);
    return typeof stored === "string" && jsonTextEqual(stored, wanted);
  });
}

/**
 * True when no object in this JSON text can carry the serializer's tag key: the key is absent as written, and
 * there is no `\u` escape that could spell it. Such text decodes to exactly what `JSON.parse` returns (fresh plain
 * objects with nothing to convert), so the second walk that `decodeValue` would make to copy it can be skipped.
 * The serializer's output has no escapes except for control characters and lone surrogates, so nearly all
 * plain state takes this path.
 */
function isTagFree(text: string): boolean {
  return !text.includes(TAG) && !text.includes("\\u");
}

/**
 * Decodes a stored row with core's codec. Text that is not JSON, or JSON that is not a checkpoint, raises
 * `CheckpointCorruptError` naming the id and the column. A NULL metadata (allowed by the seed's layout, never
 * written by this store) reads as `{}`; a NULL `tasks` (a checkpoint without task results, or any row written
 * before schema version 2) leaves `tasks` absent.
 */
export function rowToCheckpoint(row: CheckpointColumns): Checkpoint {
  const [id, , , stateText] = row;
  const state = parseJsonColumn(stateText, id, "state");
  // Tag-free state skips the codec's copying walk (measured: about 40% of decoding a 1 KB structured state);
  // every other field, and any state with tags, still goes through decodeCheckpoint.
  const plainState = typeof stateText === "string" && isTagFree(stateText);
  const cp = decodeRow(row, plainState ? null : state);
  if (plainState) cp.state = state;
  return cp;
}

/**
 * Decodes every column of a stored row but the state, which is left `null`: for a checkpoint whose state is folded
 * from its chain, and for `listHeaders`. Throws as {@link rowToCheckpoint} does.
 */
export function rowToHeader(row: CheckpointColumns): Checkpoint {
  return decodeRow(row, null);
}

function decodeRow(row: CheckpointColumns, state: JsonValue): Checkpoint {
  const [id, executionId, nodeName, , metadataText, timestamp, version, parentId, nextText, tasksText] = row;
  return decodeCheckpoint({
    id,
    executionId,
    nodeName,
    state,
    metadata: metadataText === null ? {} : parseJsonColumn(metadataText, id, "metadata"),
    timestamp,
    version,
    parentId,
    next: parseJsonColumn(nextText, id, "next") as string[],
    tasks: tasksText === null ? null : parseJsonColumn(tasksText, id, "tasks"),
  });
}

/**
 * A stored row as `listSerialized` hands it out: its JSON columns pasted into the checkpoint's text as they are. A
 * row whose JSON columns are not all valid, or whose numbers are not numbers, is decoded instead, which throws the
 * `CheckpointCorruptError` naming it that `list` would.
 */
export function rowToSerialized(row: CheckpointColumns, valid: number | undefined): SerializedCheckpoint {
  const [id, executionId, nodeName, state, metadata, timestamp, version, parentId, next, tasks] = row;
  // Anything list would refuse is decoded, which throws the error list gives: also a version below 1 and array metadata.
  const arrayMetadata = metadata !== null && metadata.trimStart().startsWith("[");
  if (valid !== 1 || !Number.isFinite(timestamp) || !Number.isSafeInteger(version) || version < 1 || arrayMetadata) {
    rowToCheckpoint(row);
  }
  const text = { id, executionId, nodeName, state, metadata, timestamp, version, parentId, next, tasks };
  return { id, version, text: serializedCheckpointText(text) };
}
