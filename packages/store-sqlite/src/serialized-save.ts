/**
 * `saveSerialized`'s reading of one checkpoint given as its encoded JSON text: SQLite takes the row's columns out of
 * the text (one statement, the text parsed once), JavaScript checks them as decoding would, and only the objects
 * holding a value tag are decoded, to check them. Text that any check refuses, or that takes the fast path nowhere
 * (a `\u` escape, a lone surrogate), is decoded whole by the caller and saved as `saveMany` saves it, which also
 * gives its error.
 *
 * @packageDocumentation
 */
import { TAG, decodeValue, type JsonValue } from "@lg/core/store";
import type { InsertParams } from "./rows.js";

// The earliest and latest times a Date holds (ECMAScript: ±10^8 days), which `save` accepts as timestamps.
const MAX_TIME = 8.64e15;

/**
 * The text's fields as JSON text (`->`: a string keeps its quotes, so its type shows), timestamp and version as SQL
 * values (`->>`), in `CHECKPOINT_COLUMNS` order; {@link textToParams} checks them. `LIMIT 1` keeps the JSONB value
 * one evaluated column: flattened into the outer query, `jsonb()` would parse the text again for every reference.
 */
export const SERIALIZED_COLUMNS_SQL = `SELECT j->'$.id', j->'$.executionId', j->'$.nodeName', j->'$.state',
    j->'$.metadata', j->>'$.timestamp', j->>'$.version', j->'$.parentId', j->'$.next', j->'$.tasks'
  FROM (SELECT jsonb(?) AS j LIMIT 1)`;

/** A row of {@link SERIALIZED_COLUMNS_SQL}: JSON text (`null` for a field the text lacks) but timestamp and version. */
export type SerializedColumnsRow = [
  id: string | null,
  executionId: string | null,
  nodeName: string | null,
  state: string | null,
  metadata: string | null,
  timestamp: unknown,
  version: unknown,
  parentId: string | null,
  next: string | null,
  tasks: string | null,
];

// In a `u` regular expression a pair of surrogates is one code point: only a lone one is of category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * True when the text may take the fast path: no `\u` escape (an escaped tag key would go unseen by the search for
 * tags) and no lone surrogate (SQLite would store U+FFFD where `save` refuses the string).
 */
export function fastPathText(text: string): boolean {
  return !text.includes("\\u") && !LONE_SURROGATE.test(text);
}

/** The string a field's JSON text holds, or `undefined` when it holds anything else (or is absent). */
function stringOf(json: string | null): string | undefined {
  return json !== null && json.startsWith('"') ? (JSON.parse(json) as string) : undefined;
}

const isIn = (value: unknown, low: number, high: number): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= low && value <= high;

/** True when the JSON text of `next` is an array of strings. */
function namesOk(next: string | null): next is string {
  if (next === null || !next.startsWith("[")) return false;
  return (JSON.parse(next) as unknown[]).every((name) => typeof name === "string");
}

/** True when the JSON text of `tasks` is absent, null, or an object with a `nodes` object and an `interrupts` array. */
function tasksOk(tasks: string | null): boolean {
  if (tasks === null || tasks === "null") return true;
  if (!tasks.startsWith("{")) return false;
  const { nodes, interrupts } = JSON.parse(tasks) as { nodes?: unknown; interrupts?: unknown };
  return typeof nodes === "object" && nodes !== null && !Array.isArray(nodes) && Array.isArray(interrupts);
}

/**
 * The INSERT parameters of the row: exactly what `saveMany` stores for the decoded checkpoint, or `undefined` when
 * a check fails (decoding may still accept the text: a number written `1.0`, a parent id of another type). Checks:
 * ids non-empty strings, the node's name a string, an integer timestamp a Date holds, a version from 1 to 2^53 - 1,
 * a string or null parent, an array of names, an object of metadata, the task results' shape.
 */
export function textToParams(row: SerializedColumnsRow): InsertParams | undefined {
  const [idText, executionText, nodeText, state, metadata, timestamp, version, parentText, next, tasks] = row;
  const [id, executionId, nodeName] = [stringOf(idText), stringOf(executionText), stringOf(nodeText)];
  const parentId = parentText === null || parentText === "null" ? null : stringOf(parentText);
  const ok =
    id !== undefined &&
    id.length > 0 &&
    executionId !== undefined &&
    executionId.length > 0 &&
    nodeName !== undefined &&
    state !== null &&
    metadata?.startsWith("{") === true &&
    isIn(timestamp, -MAX_TIME, MAX_TIME) &&
    isIn(version, 1, Number.MAX_SAFE_INTEGER) &&
    (parentId === null || (parentId !== undefined && parentId.length > 0)) &&
    namesOk(next) &&
    tasksOk(tasks);
  if (!ok) return undefined;
  const taskText = tasks === null || tasks === "null" ? null : tasks;
  return [id, executionId, nodeName, state, metadata, timestamp, version, parentId, next, taskText];
}

/**
 * True when every object of the text that holds the serializer's tag decodes (a bad tag, an unregistered type:
 * `false`, and the caller decodes the whole text for its error). The serializer writes the tag as the first key
 * (`{"$lg":…`): each such object is cut out by matching its braces and decoded alone; a tag anywhere else (a text
 * re-formatted by another tool, `"$lg"` as a string value) sends the text to the caller's full decoding.
 */
export function tagsDecode(text: string): boolean {
  const opening = `{"${TAG}":`;
  let tags = 0;
  for (let at = text.indexOf(`"${TAG}"`); at !== -1; at = text.indexOf(`"${TAG}"`, at + 1)) tags++;
  let from = text.indexOf(opening);
  try {
    while (from !== -1) {
      const end = objectEnd(text, from);
      if (end === -1) return false;
      const object = text.slice(from, end);
      decodeValue(JSON.parse(object) as JsonValue);
      for (let at = object.indexOf(`"${TAG}"`); at !== -1; at = object.indexOf(`"${TAG}"`, at + 1)) tags--;
      from = text.indexOf(opening, end);
    }
  } catch {
    return false;
  }
  return tags === 0;
}

/** The index just past the object opening at `start`, skipping strings; -1 when it does not close. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* \ */) i++;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) depth++;
    else if ((c === 0x7d /* } */ || c === 0x5d) /* ] */ && --depth === 0) return i + 1;
  }
  return -1;
}

/** True for the error SQLite raises when the text bound to `jsonb()` is not JSON. */
export function isMalformedJson(error: unknown): boolean {
  return error instanceof Error && error.message === "malformed JSON";
}
