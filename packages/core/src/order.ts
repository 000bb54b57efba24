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
