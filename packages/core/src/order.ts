/**
 * Compares two strings by Unicode code point (the byte order of their UTF-8 forms, which SQL `COLLATE "C"`, SQLite
 * and Redis use), where JavaScript's `<` compares UTF-16 code units. The two differ only between characters above
 * U+FFFF (surrogate pairs) and those in U+E000–U+FFFF. Returns a negative number, 0 or a positive number.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Moves surrogates (which stand for code points above U+FFFF) after U+E000–U+FFFF, keeping everything else. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** One page of items in code point order of their keys, and the cursor of the next page when there is one. */
export interface CodePointPage<T> {
  /** At most `limit` items, keys ascending in code point order, each key after the cursor. */
  items: T[];
  /** The last item's key when more items follow; absent on the last page, also on an exactly full one. */
  nextCursor?: string;
}

/**
 * Pages `items` by key in code point order ({@link compareCodePoints}), the `listExecutions` cursor semantics:
 * the page holds the first `limit` items whose key is strictly after `cursor`; `nextCursor` is the last key of the
 * page only when another item follows, so an exactly full last page ends the listing. `items` may be unsorted.
 * A SQL store can fetch `limit + 1` rows ordered by key (`COLLATE "C"`, `BINARY`) after the cursor and hand them
 * here: the extra row only tells that a next page exists.
 */
export function pageByCodePoint<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  options: { limit: number; cursor?: string | undefined },
): CodePointPage<T> {
  const { limit, cursor } = options;
  const after = items.filter((item) => cursor === undefined || compareCodePoints(keyOf(item), cursor) > 0);
  after.sort((a, b) => compareCodePoints(keyOf(a), keyOf(b)));
  const page = after.slice(0, limit);
  const last = page[page.length - 1];
  return after.length > limit && last !== undefined ? { items: page, nextCursor: keyOf(last) } : { items: page };
}
