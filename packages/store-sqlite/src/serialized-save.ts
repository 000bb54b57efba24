/**
 * `saveSerialized`'s reading of one checkpoint given as its encoded JSON text. A text laid out as `serializeCheckpoint`
 * writes it has its columns cut out without parsing (canonical-text.ts). Any other is parsed (`JSON.parse`, no
 * decoding), its fields are checked as decoding and `save` would check them, the values are walked once without
 * copying them (each object holding a value tag is decoded, to check it), and the columns are written back with
 * `JSON.stringify`: no encoding walk. Text that any check refuses, or that the walk cannot vouch for (a lone
 * surrogate, a number JSON cannot write back), is decoded whole by the caller and saved as `saveMany` saves it, which
 * also gives its error.
 *
 * @packageDocumentation
 */
import { TAG, decodeValue, type JsonValue } from "@lg/core/store";
import { canonicalTextToParams } from "./canonical-text.js";
import { hasLoneSurrogate, hasTaskShape, isId, isNameList, isObject, isTimestamp, isVersion } from "./text-checks.js";
import type { InsertParams } from "./rows.js";

/** True when the text may take the fast path: no lone surrogate (`save` refuses one in an id or a name). */
export function fastPathText(text: string): boolean {
  return !hasLoneSurrogate(text);
}

/** The parsed checkpoint's fields, as `JSON.parse` gives them. */
interface ParsedText {
  id?: unknown;
  executionId?: unknown;
  nodeName?: unknown;
  state?: unknown;
  metadata?: unknown;
  timestamp?: unknown;
  version?: unknown;
  parentId?: unknown;
  next?: unknown;
  tasks?: unknown;
}

/**
 * True when `value` (parsed JSON) writes back as the same value and decodes: every number is one `JSON.stringify`
 * writes as it is (not `-0`, nor a literal too large for a double), and every object holding the serializer's tag
 * decodes (a bad tag, an unregistered type: `false`).
 */
function walks(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== "object" || value === null) return true;
  if (Array.isArray(value)) return value.every(walks);
  if (Object.prototype.hasOwnProperty.call(value, TAG)) {
    try {
      decodeValue(value as JsonValue);
      return true;
    } catch {
      return false;
    }
  }
  // Object.values, not `value[key]`: an own "__proto__" key (which JSON.parse makes) reads as itself.
  return Object.values(value).every(walks);
}

function tasksOk(tasks: unknown): boolean {
  return tasks === undefined || tasks === null || (hasTaskShape(tasks) && walks(tasks));
}

/**
 * The INSERT parameters of the text: exactly what `saveMany` stores for the decoded checkpoint, or `undefined` when
 * the text is not JSON or a check fails (decoding then gives the error, or accepts what it converts: a parent id of
 * another type, a timestamp with a fraction). Checks: ids non-empty strings, the node's name a string, an integer
 * timestamp a Date holds, a version from 1 to 2^53 - 1, a string or null parent, an array of names, metadata an
 * object, the task results' shape, and the values' walk.
 */
export function textToParams(text: string): InsertParams | undefined {
  return canonicalTextToParams(text) ?? parsedTextToParams(text);
}

/** {@link textToParams} by parsing the text: any layout, any JSON. */
export function parsedTextToParams(text: string): InsertParams | undefined {
  let parsed: ParsedText;
  try {
    parsed = JSON.parse(text) as ParsedText;
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const { id, executionId, nodeName, state, metadata, timestamp, version, parentId, next, tasks } = parsed;
  const ok =
    isId(id) &&
    isId(executionId) &&
    typeof nodeName === "string" &&
    state !== undefined &&
    isObject(metadata) &&
    isTimestamp(timestamp) &&
    isVersion(version) &&
    (parentId === undefined || parentId === null || isId(parentId)) &&
    isNameList(next) &&
    tasksOk(tasks) &&
    walks(state) &&
    walks(metadata);
  if (!ok) return undefined;
  const taskText = tasks === undefined || tasks === null ? null : JSON.stringify(tasks);
  const parent = parentId === undefined ? null : parentId;
  return [
    id,
    executionId,
    nodeName,
    JSON.stringify(state),
    JSON.stringify(metadata),
    timestamp,
    version,
    parent,
    JSON.stringify(next),
    taskText,
  ];
}
