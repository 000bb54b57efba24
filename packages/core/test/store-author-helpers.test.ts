import {
  decodeStoredCheckpoint,
  pageByCodePoint,
  quoteSqlIdentifier,
  sameCheckpoint,
  serializeCheckpoint,
  validateIdentifier,
  type Checkpoint,
} from "../src/store-entry.js";
import * as main from "../src/index.js";
import { CheckpointCorruptError, InvalidArgumentError } from "../src/index.js";

const cp: Checkpoint = {
  id: "cp-1",
  executionId: "run-1",
  nodeName: "n",
  state: { a: 1, when: new Date(5) },
  metadata: { source: "loop", step: 1 },
  timestamp: new Date(Date.UTC(2030, 0, 1)),
  version: 1,
  parentId: "cp-0",
  next: ["x"],
};

describe("decodeStoredCheckpoint", () => {
  it("decodes a row's JSON text that matches its key columns", () => {
    const loaded = decodeStoredCheckpoint(serializeCheckpoint(cp), { id: "cp-1", executionId: "run-1", version: 1 });
    expect(sameCheckpoint(loaded, cp)).toBe(true);
  });

  it("rejects text holding another checkpoint, execution or version than its row, and text that does not decode", () => {
    const text = serializeCheckpoint(cp);
    for (const row of [{ id: "cp-2" }, { id: "cp-1", executionId: "run-2" }, { id: "cp-1", version: 2 }]) {
      expect(() => decodeStoredCheckpoint(text, row)).toThrow(CheckpointCorruptError);
    }
    expect(() => decodeStoredCheckpoint("{not json", { id: "cp-1" })).toThrow(/"cp-1" is corrupt/);
  });
});

describe("sameCheckpoint", () => {
  it("ignores object key order and nothing else", () => {
    expect(sameCheckpoint(cp, { ...cp, metadata: { step: 1, source: "loop" } })).toBe(true);
    const { parentId: _parent, ...orphan } = cp;
    const changed: Checkpoint[] = [
      { ...cp, nodeName: "m" },
      { ...cp, metadata: { source: "loop", step: 2 } },
      { ...cp, timestamp: new Date(cp.timestamp.getTime() + 1) },
      orphan,
      { ...cp, next: [] },
      { ...cp, state: { a: 1, when: new Date(6) } },
      { ...cp, version: 2 },
      { ...cp, executionId: "run-2" },
      { ...cp, tasks: { nodes: {}, interrupts: [] } },
    ];
    for (const other of changed) expect(sameCheckpoint(cp, other)).toBe(false);
  });
});

describe("pageByCodePoint", () => {
  const ids = ["b", "\u{1F600}", "a", "\uFF01", "é"];
  const key = (id: string): string => id;

  it("pages in code point order after the cursor", () => {
    expect(pageByCodePoint(ids, key, { limit: 2 })).toEqual({ items: ["a", "b"], nextCursor: "b" });
    expect(pageByCodePoint(ids, key, { limit: 2, cursor: "b" })).toEqual({
      items: ["é", "\uFF01"],
      nextCursor: "\uFF01",
    });
    expect(pageByCodePoint(ids, key, { limit: 2, cursor: "\uFF01" })).toEqual({ items: ["\u{1F600}"] });
  });

  it("gives no cursor on an exactly full last page", () => {
    expect(pageByCodePoint(ids, key, { limit: 5 })).toEqual({ items: ["a", "b", "é", "\uFF01", "\u{1F600}"] });
    expect(pageByCodePoint(ids, key, { limit: 4, cursor: "a" }).nextCursor).toBeUndefined();
  });
});

describe("validateIdentifier", () => {
  it("returns the bare name for the store to quote its own way", () => {
    expect(validateIdentifier("table", "lg_checkpoints")).toBe("lg_checkpoints");
    expect(quoteSqlIdentifier("table", "lg_checkpoints")).toBe('"lg_checkpoints"');
  });

  it("rejects anything but a plain identifier", () => {
    for (const bad of ["", "1x", "a-b", 'a"b', "a`b", "x".repeat(64), 7]) {
      expect(() => validateIdentifier("table", bad)).toThrow(InvalidArgumentError);
    }
  });
});

it("the store-author helpers are not in the main entry", () => {
  for (const name of [
    "decodeStoredCheckpoint",
    "sameCheckpoint",
    "pageByCodePoint",
    "validateIdentifier",
    "isStorableId",
  ]) {
    expect(name in main).toBe(false);
  }
});
