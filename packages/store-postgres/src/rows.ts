import {
  CheckpointCorruptError,
  InvalidArgumentError,
  type Checkpoint,
  type JsonValue,
  type SerializedCheckpoint,
} from "@lg/core";
import {
  canonicalJson,
  decodeCheckpoint,
  encodeCheckpoint,
  parseJsonColumn,
  serializedCheckpointText,
  type EncodedCheckpoint,
} from "@lg/core/store";
import { PlainCol } from "./chain-sql.js";
import { Col } from "./sql.js";
import { isStorableText } from "./text.js";

/**
 * Conversion between checkpoints and the table's rows.
 *
 * PostgreSQL cannot store two things JavaScript strings may hold: U+0000 (neither in TEXT nor in JSONB) and
 * unpaired UTF-16 surrogates (JSONB rejects their `\u` escapes; TEXT would silently turn them into U+FFFD).
 * - In the TEXT columns (ids, node name) such strings are rejected with `InvalidArgumentError`.
 * - In state, metadata and tasks they are legitimate data, so the column holds a wrapper instead:
 *   `{"$lg":"pgjson","v":"<base64 of the JSON text>"}`. It round-trips losslessly; only that row's column stops
 *   being queryable as JSONB. Core never writes a top-level `$lg` key other than its own tags (a user's object
 *   with a `$lg` key is escaped), so the wrapper cannot be confused with data.
 *
 * @packageDocumentation
 */

/** Tag of the wrapper that holds JSON text PostgreSQL's JSONB cannot store. */
export const PG_JSON_TAG = "pgjson";

/** The parameters of the save statement, in order. */
export type SaveParams = [string, string, string, string, string, string, number, string | null, string, string | null];

// A `\u0000` or `\uD800`-`\uDFFF` escape preceded by an even number of backslashes. JSON.stringify writes NUL and
// unpaired surrogates as such escapes and everything else PostgreSQL accepts.
const UNSTORABLE_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

function jsonbCompatible(json: string): boolean {
  return json.indexOf("\\u") === -1 || !UNSTORABLE_ESCAPE.test(json);
}

/**
 * JSON text for a JSONB column: the value itself, or the wrapper when JSONB cannot hold it. The wrapper holds the
 * canonical JSON (keys sorted): PostgreSQL compares the wrapper by its bytes, so an identical re-save with keys in
 * another order must produce the same text to be a no-op, as it is for plain JSONB, which ignores key order.
 */
export function toJsonbText(value: JsonValue): string {
  const json = JSON.stringify(value);
  if (jsonbCompatible(json)) return json;
  return JSON.stringify({ $lg: PG_JSON_TAG, v: Buffer.from(canonicalJson(value), "utf8").toString("base64") });
}

const pad = (value: number, width: number): string => String(value).padStart(width, "0");

/**
 * A timestamp as text PostgreSQL parses exactly, to the millisecond, for every year a `Date` can hold that
 * `timestamptz` can too: ISO 8601 for years 1-9999, and the same fields with a longer year or a ` BC` suffix
 * beyond them (ISO's `+012345` and `-000500` forms are not accepted by PostgreSQL).
 */
export function toTimestampText(ms: number): string {
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (year >= 1 && year <= 9999) return date.toISOString();
  const time =
    `${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}T${pad(date.getUTCHours(), 2)}:` +
    `${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}.${pad(date.getUTCMilliseconds(), 3)}Z`;
  // Year 0 of the proleptic Gregorian calendar is 1 BC.
  return year >= 1 ? `${pad(year, 4)}-${time}` : `${pad(1 - year, 4)}-${time} BC`;
}

function assertStorableText(field: string, value: string): void {
  if (!isStorableText(value)) {
    throw new InvalidArgumentError(
      `${field} cannot be stored in PostgreSQL: it contains U+0000 or an unpaired UTF-16 surrogate, which ` +
        "PostgreSQL text cannot represent",
    );
  }
}

/** Validates and encodes a checkpoint (through core's `encodeCheckpoint`) into save statement parameters. */
export function toSaveParams(cp: Checkpoint): SaveParams {
  const enc = encodeCheckpoint(cp);
  return encodedSaveParams(enc, toJsonbText(enc.state));
}

/**
 * The save statement parameters of an encoded checkpoint, with `state` (JSON text for the JSONB column) in place of
 * its state. Throws `InvalidArgumentError` for ids, node names or `next` entries PostgreSQL text cannot hold.
 */
export function encodedSaveParams(enc: EncodedCheckpoint, state: string): SaveParams {
  assertStorableText("checkpoint.id", enc.id);
  assertStorableText("checkpoint.executionId", enc.executionId);
  assertStorableText("checkpoint.nodeName", enc.nodeName);
  if (enc.parentId !== null) assertStorableText("checkpoint.parentId", enc.parentId);
  const next = JSON.stringify(enc.next);
  if (!jsonbCompatible(next)) for (const node of enc.next) assertStorableText("checkpoint.next", node);
  return [
    enc.id,
    enc.executionId,
    enc.nodeName,
    state,
    toJsonbText(enc.metadata),
    toTimestampText(enc.timestamp),
    enc.version,
    enc.parentId,
    next,
    // Absent task results are SQL NULL, as in rows written before the column existed.
    enc.tasks === undefined || enc.tasks === null ? null : toJsonbText(enc.tasks),
  ];
}

/** A JSONB value as it was written: itself, or what the wrapper of {@link toJsonbText} holds. */
export function unwrap(value: JsonValue, id: string, column: string): JsonValue {
  if (value === null || typeof value !== "object" || Array.isArray(value) || value.$lg !== PG_JSON_TAG) return value;
  if (typeof value.v !== "string") throw new CheckpointCorruptError(id, `column ${column} has a malformed wrapper`);
  return parseJsonColumn(Buffer.from(value.v, "base64").toString("utf8"), id, column);
}

/** A JSONB column read as text, parsed and unwrapped; `CheckpointCorruptError` when missing or malformed. */
export function jsonColumn(text: unknown, id: string, column: string): JsonValue {
  if (typeof text !== "string") throw new CheckpointCorruptError(id, `column ${column} is missing`);
  return unwrap(parseJsonColumn(text, id, column), id, column);
}

/**
 * Turns a row selected with the store's column list into a checkpoint. Throws `CheckpointCorruptError`
 * (naming the id) when a column cannot be decoded.
 */
export function rowToCheckpoint(row: readonly unknown[]): Checkpoint {
  return decodeCheckpoint({ ...rowHeader(row), state: jsonColumn(row[Col.State], String(row[Col.Id]), "state") });
}

/**
 * Every column of a row but its state, encoded (`state` is `null`): the header of a checkpoint whose state is read
 * elsewhere (folded from its chain) or not at all (`listHeaders`).
 */
export function rowHeader(row: readonly unknown[]): EncodedCheckpoint {
  const id = String(row[Col.Id]);
  const metadataText = row[Col.Metadata];
  const parentId = row[Col.ParentId];
  const tasksText = row[Col.Tasks];
  return {
    id,
    executionId: String(row[Col.ExecutionId]),
    nodeName: String(row[Col.NodeName]),
    state: null,
    // The seed's table allows a NULL metadata column; read it as empty metadata.
    metadata: metadataText === null ? {} : jsonColumn(metadataText, id, "metadata"),
    timestamp: Number(row[Col.TimestampMs]),
    version: Number(row[Col.Version]),
    parentId: typeof parentId === "string" ? parentId : null,
    next: row[Col.Next] === null ? [] : (jsonColumn(row[Col.Next], id, "next") as string[]),
    // NULL: no task results (and every row written before the column existed).
    tasks: tasksText === null ? null : jsonColumn(tasksText, id, "tasks"),
  };
}

// How JSONB prints the wrapper (its keys in JSONB's order: shorter first); base64 holds no quote.
const WRAPPER_END = `", "$lg": "${PG_JSON_TAG}"}`;

/** A JSONB column's text as JSON text of the value it holds: as it is, or unwrapped (rare) when it is the wrapper. */
function jsonText(text: unknown, id: string, column: string): string {
  if (typeof text !== "string") throw new CheckpointCorruptError(id, `column ${column} is missing`);
  return text.endsWith(WRAPPER_END) ? JSON.stringify(jsonColumn(text, id, column)) : text;
}

/**
 * Turns a row selected with the store's column list into `listSerialized`'s form without parsing its JSONB
 * columns: PostgreSQL only hands out valid JSON for them. Throws `CheckpointCorruptError` for a missing column or a
 * malformed wrapper.
 */
export function rowToSerialized(row: readonly unknown[]): SerializedCheckpoint {
  const id = String(row[Col.Id]);
  const version = Number(row[Col.Version]);
  // What list refuses, listSerialized refuses too: a version BIGINT above 2^53 (Number rounds it) or below 1.
  if (!Number.isSafeInteger(version) || version < 1)
    throw new CheckpointCorruptError(id, "version is not an integer from 1 to 2^53 - 1");
  const timestamp = Number(row[Col.TimestampMs]);
  // JSON has no Infinity: a timestamptz of 'infinity' is damage, which list refuses too.
  if (!Number.isFinite(timestamp)) throw new CheckpointCorruptError(id, "timestamp is not a finite time");
  const metadata = row[Col.Metadata];
  const parentId = row[Col.ParentId];
  const tasks = row[Col.Tasks];
  const metadataText = metadata === null ? null : jsonText(metadata, id, "metadata");
  if (metadataText !== null && metadataText.trimStart().startsWith("["))
    throw new CheckpointCorruptError(id, "metadata is not an object");
  const text = serializedCheckpointText({
    id,
    executionId: String(row[Col.ExecutionId]),
    nodeName: String(row[Col.NodeName]),
    state: jsonText(row[Col.State], id, "state"),
    metadata: metadataText,
    timestamp,
    version,
    parentId: typeof parentId === "string" ? parentId : null,
    next: row[Col.Next] === null ? "[]" : jsonText(row[Col.Next], id, "next"),
    tasks: tasks === null ? null : jsonText(tasks, id, "tasks"),
  });
  return { id, version, text };
}

/**
 * The rows of a plain statement (`plainAsc`, chain-sql.ts) as `listSerialized`'s answer, each text as the server
 * spliced it; `undefined` when any row's text may not be handed out as it is (the page is then read by the chain
 * statement).
 */
export function plainSerialized(rows: readonly unknown[][]): SerializedCheckpoint[] | undefined {
  if (!rows.every((row) => row[PlainCol.Ok] === true)) return undefined;
  return rows.map((row) => ({
    id: String(row[PlainCol.Id]),
    version: Number(row[PlainCol.Version]),
    text: String(row[PlainCol.Text]),
  }));
}
