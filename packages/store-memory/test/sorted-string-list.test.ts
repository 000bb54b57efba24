import { SortedStringList } from "../src/sorted-string-list.js";

/** Every string held, in order, read through pages of `limit`. */
function readAll(list: SortedStringList, limit: number): string[] {
  const out: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const { values, hasMore } = list.pageAfter(cursor, limit);
    out.push(...values);
    if (!hasMore) return out;
    cursor = values[values.length - 1];
  }
}

/** A small deterministic PRNG so a failure is reproducible. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("SortedStringList (the execution-id index behind listExecutions)", () => {
  it("pages in code point order whatever the insertion order", () => {
    const list = new SortedStringList();
    for (const v of ["m", "b", "z", "B", "é", "a", "\u{1F600}", "zz"]) list.add(v);
    expect(readAll(list, 3)).toEqual(["B", "a", "b", "m", "z", "zz", "é", "\u{1F600}"]);
    expect(list.size).toBe(8);
  });

  it("ignores duplicates, handles removal of parked and sorted strings, and re-adding them", () => {
    const list = new SortedStringList();
    list.add("c");
    list.add("a"); // parked
    list.add("a");
    list.remove("a"); // removed while parked
    list.add("a"); // parked again
    list.remove("c"); // removed from the sorted part
    list.add("b");
    expect(readAll(list, 10)).toEqual(["a", "b"]);
    list.add("c");
    expect(readAll(list, 1)).toEqual(["a", "b", "c"]);
    expect(list.size).toBe(3);
  });

  // Frequent pages park only a few strings between merges (the splice path); rare pages park many (the linear
  // merge path, including strings removed and re-added while parked).
  it.each([
    ["frequent pages", 0.1],
    ["rare pages", 0.005],
  ])("agrees with a sorted Set under random adds, removes and %s", (_label, pageRate) => {
    const random = prng(42);
    const list = new SortedStringList();
    const model = new Set<string>();
    for (let step = 0; step < 4000; step++) {
      const value = `k${Math.floor(random() * 400)}`;
      const roll = random();
      if (roll < pageRate) {
        expect(readAll(list, 1 + Math.floor(random() * 40))).toEqual([...model].sort());
      } else if (roll < 0.6) {
        list.add(value);
        model.add(value);
      } else {
        list.remove(value);
        model.delete(value);
      }
    }
    expect(readAll(list, 7)).toEqual([...model].sort());
    expect(list.size).toBe(model.size);
  });

  it("merges a large batch of parked strings in one pass", () => {
    const random = prng(7);
    const values = Array.from({ length: 500 }, (_, i) => `v${String(i).padStart(3, "0")}`);
    const shuffled = [...values].sort(() => random() - 0.5);
    const list = new SortedStringList();
    list.add("v250"); // so that every smaller value is parked rather than appended
    for (const v of shuffled) list.add(v);
    expect(readAll(list, 64)).toEqual(values);
  });

  it("starts after a cursor that is not held", () => {
    const list = new SortedStringList();
    for (const v of ["a", "c", "e"]) list.add(v);
    expect(list.pageAfter("b", 10)).toEqual({ values: ["c", "e"], hasMore: false });
    expect(list.pageAfter("e", 10)).toEqual({ values: [], hasMore: false });
    expect(list.pageAfter(undefined, 2)).toEqual({ values: ["a", "c"], hasMore: true });
  });
});

describe("SortedStringList and characters above U+FFFF", () => {
  it("sorts by code point, like the SQL and Redis stores, not by UTF-16 code unit", () => {
    const list = new SortedStringList();
    for (const value of ["\u{1F600}", "\uFF01", "a"]) list.add(value);
    expect(list.pageAfter(undefined, 10).values).toEqual(["a", "\uFF01", "\u{1F600}"]);
    expect(list.pageAfter("\uFF01", 10).values).toEqual(["\u{1F600}"]);
  });
});
