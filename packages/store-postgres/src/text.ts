/**
 * Strings PostgreSQL text cannot hold: U+0000 (refused) and unpaired UTF-16 surrogates (postgres.js sends them as
 * U+FFFD, so `"x\uD800"` would silently stand for the stored `"x\uFFFD"`). Saving such an id is refused; an id
 * or execution id of this kind passed to a read or a delete names nothing that can exist, so the store answers
 * without a query, and a `listExecutions` cursor of this kind is translated into a bound the server compares
 * correctly.
 *
 * @packageDocumentation
 */

const isHigh = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

/** Index of the first U+0000 or unpaired surrogate in `value`, or -1 when PostgreSQL text can hold it all. */
function firstUnstorable(value: string): number {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit === 0 || isLow(unit)) return i;
    if (isHigh(unit)) {
      if (!isLow(value.charCodeAt(i + 1))) return i;
      i++;
    }
  }
  return -1;
}

/** Whether PostgreSQL text can hold `value` exactly: no U+0000 and no unpaired UTF-16 surrogate. */
export function isStorableText(value: string): boolean {
  return firstUnstorable(value) === -1;
}

/** Where a page of executions starts: after `text` (exclusive) or at it (inclusive). */
export interface ExecutionBound {
  /** An id PostgreSQL text can hold. */
  text: string;
  /** Whether an execution id equal to `text` belongs on the page. */
  inclusive: boolean;
}

// The smallest string above every string that starts with `prefix` (which is storable), in code point order.
function afterEveryExtensionOf(prefix: string): string | undefined {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = (points.pop() as string).codePointAt(0) as number;
    if (last < 0x10ffff) return points.join("") + String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1);
  }
  return undefined;
}

/**
 * Translates a `listExecutions` cursor into a bound PostgreSQL can compare: the stored ids above the bound are
 * exactly the ids that sort after the cursor by core's `compareCodePoints` (the order of the memory store, where
 * U+0000 sorts first and a surrogate, paired or not, after U+FFFF). Returns `undefined` when no id can sort after
 * the cursor. A storable cursor (every `nextCursor`) is returned as it is.
 */
export function executionBound(cursor: string): ExecutionBound | undefined {
  const at = firstUnstorable(cursor);
  if (at === -1) return { text: cursor, inclusive: false };
  const prefix = cursor.slice(0, at);
  const unit = cursor.charCodeAt(at);
  // U+0000 sorts below every character: the ids after the cursor are the ids after its prefix.
  if (unit === 0) return { text: prefix, inclusive: false };
  // A lone high surrogate sorts as the start of the pairs it begins: the page starts at the first such pair.
  if (isHigh(unit)) return { text: prefix + String.fromCharCode(unit, 0xdc00), inclusive: true };
  // A lone low surrogate sorts above every character and pair: the page starts after every extension of the prefix.
  const after = afterEveryExtensionOf(prefix);
  return after === undefined ? undefined : { text: after, inclusive: true };
}
