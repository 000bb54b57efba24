import { CheckpointCorruptError, InvalidArgumentError, type Checkpoint } from "../src/index.js";
import {
  encodeIncremental,
  foldChain,
  mergeRows,
  planRowRemoval,
  type EncodedRowState,
  type RowHeader,
} from "../src/incremental.js";

function cp(state: unknown, parentId?: string): Checkpoint {
  const c: Checkpoint = {
    id: `c-${Math.random()}`,
    executionId: "e",
    nodeName: "n",
    state,
    metadata: {},
    timestamp: new Date(0),
    version: 2,
    next: [],
  };
  if (parentId !== undefined) c.parentId = parentId;
  return c;
}

function rowsOf(...states: EncodedRowState[]): EncodedRowState[] {
  return states;
}

describe("encodeIncremental", () => {
  it("encodes only the changed channels and the appended tail", () => {
    const state = { log: [1, 2, 3], big: "x".repeat(100), when: new Date(5) };
    const { row, header } = encodeIncremental(cp(state, "p"), { parentId: "p", whole: ["when"], appended: { log: 2 } });
    expect(header.state).toBeNull();
    expect(row.base).toBeUndefined();
    expect(row.whole).toEqual([["when", { $lg: "date", v: "1970-01-01T00:00:00.005Z" }]]);
    expect(row.items).toEqual([["log", [2, 3]]]);
  });

  it("encodes a full row without changes, whatever the state", () => {
    expect(encodeIncremental(cp(new Map([[1, 2]]))).row.base).toEqual({ $lg: "map", v: [[1, 2]] });
  });

  it("refuses changes that do not fit", () => {
    const c = cp({ log: [1] }, "p");
    expect(() => encodeIncremental(c, { parentId: "q", whole: [], appended: {} })).toThrow(InvalidArgumentError);
    expect(() => encodeIncremental(cp({ log: [1] }), { parentId: "p", whole: [], appended: {} })).toThrow(
      InvalidArgumentError,
    );
    expect(() => encodeIncremental(c, { parentId: "p", whole: ["nope"], appended: {} })).toThrow(InvalidArgumentError);
    expect(() => encodeIncremental(c, { parentId: "p", whole: [], appended: { log: 2 } })).toThrow(
      InvalidArgumentError,
    );
    expect(() => encodeIncremental(c, { parentId: "p", whole: [], appended: { log: 0.5 } })).toThrow(
      InvalidArgumentError,
    );
    expect(() => encodeIncremental(cp([1], "p"), { parentId: "p", whole: [], appended: {} })).toThrow(
      InvalidArgumentError,
    );
  });
});

describe("foldChain", () => {
  const full: EncodedRowState = { base: { log: [0], topic: "a" }, whole: [], items: [] };

  it("applies whole values, then items, row by row", () => {
    const state = foldChain(
      "x",
      rowsOf(
        full,
        { whole: [["topic", "b"]], items: [["log", [1]]] },
        {
          whole: [],
          items: [
            ["log", [2, 3]],
            ["other", [9]],
          ],
        },
      ),
    );
    expect(state).toEqual({ log: [0, 1, 2, 3], topic: "b", other: [9] });
  });

  it("lets a channel written whole drop the items before it", () => {
    expect(
      foldChain("x", rowsOf(full, { whole: [["log", []]], items: [] }, { whole: [], items: [["log", [7]]] })),
    ).toEqual({ log: [7], topic: "a" });
  });

  it("never hands out the stored objects", () => {
    const rows = rowsOf(full, { whole: [], items: [["log", [1]]] });
    (foldChain("x", rows) as { log: number[] }).log.push(99);
    expect(foldChain("x", rows)).toEqual({ log: [0, 1], topic: "a" });
    expect(full.base).toEqual({ log: [0], topic: "a" });
  });

  it.each([
    ["no full row first", rowsOf({ whole: [], items: [] })],
    ["an empty chain", rowsOf()],
    ["items on a value that is no list", rowsOf(full, { whole: [], items: [["topic", [1]]] })],
    [
      "a malformed pair",
      rowsOf(full, { whole: [["topic"] as unknown as [string, null]], items: [["log", "x" as unknown as []]] }),
    ],
    ["a second full row", rowsOf(full, { ...full })],
    [
      "changes on a state that is no object",
      rowsOf({ base: [1], whole: [], items: [] }, { whole: [], items: [["a", [1]]] }),
    ],
    ["a row without lists", rowsOf(full, {} as EncodedRowState)],
  ])("is CheckpointCorruptError for %s", (_what, rows) => {
    expect(() => foldChain("broken", rows)).toThrow(CheckpointCorruptError);
  });
});

describe("mergeRows", () => {
  it("folds like the two rows in order", () => {
    const base: EncodedRowState = { base: { log: [0] }, whole: [], items: [] };
    const a: EncodedRowState = {
      whole: [["topic", "a"]],
      items: [
        ["log", [1]],
        ["tags", ["t"]],
      ],
    };
    const b: EncodedRowState = { whole: [["tags", []]], items: [["log", [2]]] };
    const c: EncodedRowState = { whole: [["topic", "c"]], items: [["tags", ["u"]]] };
    const merged = mergeRows(mergeRows(base, a), mergeRows(b, c));
    expect(foldChain("x", [merged])).toEqual(foldChain("x", [base, a, b, c]));
    expect(merged.base).toEqual({ log: [0] });
  });
});

describe("planRowRemoval", () => {
  const linear = (n: number, hidden: number[] = []): RowHeader[] =>
    Array.from({ length: n }, (_, i) => ({
      id: `r${i + 1}`,
      parentId: i === 0 ? undefined : `r${i}`,
      version: i + 1,
      hidden: hidden.includes(i + 1),
    }));

  it("removes a leaf and the hidden rows only it needed", () => {
    expect(planRowRemoval(linear(3, [1, 2]), new Set(["r3"]))).toEqual({
      merge: [],
      hide: [],
      remove: ["r3", "r2", "r1"],
    });
  });

  it("hides a row others read through and merges a chain of hidden rows into its oldest", () => {
    const plan = planRowRemoval(linear(6, [1, 2]), new Set(["r3", "r4"]));
    expect(plan).toEqual({
      merge: [
        { from: "r2", into: "r1" },
        { from: "r3", into: "r1" },
        { from: "r4", into: "r1" },
      ],
      hide: [],
      remove: [],
    });
  });

  it("keeps a fork point's branches apart: no merge into a hidden row with two children", () => {
    const rows: RowHeader[] = [
      { id: "root", version: 1, hidden: true },
      { id: "fork", parentId: "root", version: 2, hidden: false },
      { id: "left", parentId: "fork", version: 3, hidden: false },
      { id: "right", parentId: "fork", version: 4, hidden: false },
    ];
    expect(planRowRemoval(rows, new Set(["fork"]))).toEqual({
      merge: [{ from: "fork", into: "root" }],
      hide: [],
      remove: [],
    });
    const two: RowHeader[] = [...rows, { id: "other", parentId: "root", version: 5, hidden: false }];
    expect(planRowRemoval(two, new Set(["fork"]))).toEqual({ merge: [], hide: ["fork"], remove: [] });
  });

  it("never touches rows that are not victims and do not depend on them", () => {
    const rows: RowHeader[] = [
      { id: "a", version: 1, hidden: false },
      { id: "b", version: 2, hidden: false },
    ];
    expect(planRowRemoval(rows, new Set(["a"]))).toEqual({ merge: [], hide: [], remove: ["a"] });
  });
});
