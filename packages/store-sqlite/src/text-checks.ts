/**
 * The checks `saveSerialized` makes of a checkpoint text's fields, as decoding and `save` would make them: shared by
 * the canonical scan (canonical-text.ts) and the parsing path (serialized-save.ts), so that the two cannot come to
 * accept different texts.
 *
 * @packageDocumentation
 */

// The earliest and latest times a Date holds (ECMAScript: ±10^8 days), which `save` accepts as timestamps.
const MAX_TIME = 8.64e15;
// In a `u` regular expression a pair of surrogates is one code point: only a lone one is of category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/** True when the text holds a lone surrogate (`save` refuses one in an id or a name, and SQLite would mangle it). */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/** A non-empty string: an id. */
export const isId = (value: unknown): value is string => typeof value === "string" && value.length > 0;

/** An object that is not an array (nor null). */
export const isObject = (value: unknown): value is object =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isIn = (value: unknown, low: number, high: number): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= low && value <= high;

/** An integer timestamp a Date holds. */
export const isTimestamp = (value: unknown): value is number => isIn(value, -MAX_TIME, MAX_TIME);

/** A version from 1 to 2^53 - 1. */
export const isVersion = (value: unknown): value is number => isIn(value, 1, Number.MAX_SAFE_INTEGER);

/** An array of names (`next`). */
export const isNameList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((name) => typeof name === "string");

/** The task results' shape: an object with a `nodes` object and an `interrupts` array. */
export function hasTaskShape(value: unknown): boolean {
  if (!isObject(value)) return false;
  const { nodes, interrupts } = value as { nodes?: unknown; interrupts?: unknown };
  return isObject(nodes) && Array.isArray(interrupts);
}
