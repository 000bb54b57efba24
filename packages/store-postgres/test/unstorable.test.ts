import { randomBytes } from "node:crypto";
import { compareCodePoints } from "@lg/core/store";
import { createTestCheckpoint } from "@lg/store-testkit";
import { executionBound, isStorableText } from "../src/text.js";
import { createTestStore, statementLoggingStore, type TestStore } from "./helpers.js";

const tag = (): string => randomBytes(4).toString("hex");

// postgres.js sends an unpaired surrogate as U+FFFD, so without care "x\uD800" would name the stored "x\uFFFD".
describe("ids PostgreSQL text cannot hold", () => {
  let t: TestStore;

  beforeAll(async () => {
    t = await createTestStore();
  });

  afterAll(async () => {
    await t?.cleanup();
  });

  it("recognizes U+0000 and unpaired surrogates, and only those", () => {
    for (const bad of ["a\u0000", "x\ud800", "\udc00x", "x\ud800\ud800\udc00", "\ud83d\ude00\ude00"]) {
      expect(isStorableText(bad)).toBe(false);
    }
    for (const good of ["x", "x\ufffd", "\ud83d\ude00", "x\u{10ffff}", "\u0001"])
      expect(isStorableText(good)).toBe(true);
  });

  it("reads and deletes by such an id as by an id that does not exist, without touching the row U+FFFD names", async () => {
    const statements: string[] = [];
    const store = statementLoggingStore(t, statements);
    try {
      const suffix = tag();
      const executionId = `ex${suffix}\ufffd`;
      const id = `x${suffix}\ufffd`;
      await store.save(createTestCheckpoint({ id, executionId, version: 1 }));
      await store.save(createTestCheckpoint({ executionId, version: 2 }));
      await store.save(createTestCheckpoint({ executionId, version: 3 }));
      const loneId = `x${suffix}\ud800`;
      const loneExecution = `ex${suffix}\ud800`;
      statements.length = 0;
      expect(await store.load(loneId)).toBeUndefined();
      expect(await store.load(`x${suffix}\u0000`)).toBeUndefined();
      expect(await store.latest(loneExecution)).toBeUndefined();
      expect(await store.latest(`ex${suffix}\udfff`)).toBeUndefined();
      expect(await store.list(loneExecution)).toEqual([]);
      expect(await store.list(loneExecution, { order: "desc", limit: 1 })).toEqual([]);
      await store.delete(loneId);
      await store.clear(loneExecution);
      await store.clear(`ex${suffix}\u0000`);
      expect(await store.prune(loneExecution, { keepLast: 1 })).toBe(0);
      expect(statements).toEqual([]); // answered without a query
      expect((await store.load(id))?.executionId).toBe(executionId);
      expect((await store.list(executionId)).map((cp) => cp.version)).toEqual([1, 2, 3]);
      // Arguments are still validated first.
      await expect(store.load("")).rejects.toMatchObject({ code: "LG_INVALID_ARGUMENT" });
      await expect(store.list(loneExecution, { limit: -1 })).rejects.toMatchObject({ code: "LG_INVALID_ARGUMENT" });
    } finally {
      await store.close();
    }
  });

  it("prunes with protected ids PostgreSQL text cannot hold, which protect nothing", async () => {
    const executionId = `prune-${tag()}`;
    for (const version of [1, 2, 3]) await t.store.save(createTestCheckpoint({ executionId, version }));
    expect(await t.store.prune(executionId, { keepLast: 1, protect: ["x\ud800", "a\u0000b"] })).toBe(2);
    expect((await t.store.list(executionId)).map((cp) => cp.version)).toEqual([3]);
  });
});

describe("listExecutions cursors PostgreSQL text cannot hold", () => {
  let t: TestStore;
  const ids = [
    "\u0001",
    "a",
    "x",
    "x\u0001",
    "x\ud7ff",
    "x\ue000",
    "x\ufffd",
    "x\ufffda",
    "x\u{10000}",
    "x\u{10000}a",
    "x\u{103ff}",
    "x\u{10400}",
    "x\u{10ffff}",
    "x\u{10ffff}\u{10ffff}",
    "y",
    "\ufffd",
    "\u{10000}",
    "\u{10ffff}",
    "\u{10ffff}\u{10ffff}",
  ];

  beforeAll(async () => {
    t = await createTestStore(); // a table of its own: listExecutions sees every execution
    for (const executionId of ids) await t.store.save(createTestCheckpoint({ executionId }));
  });

  afterAll(async () => {
    await t?.cleanup();
  });

  const after = (cursor: string): string[] =>
    ids.filter((id) => compareCodePoints(id, cursor) > 0).sort(compareCodePoints);

  it("pages after such a cursor exactly as compareCodePoints (and the memory store) orders ids", async () => {
    const cursors: string[] = [];
    for (const prefix of ["", "x", "x\ufffd", "x\u{10000}", "x\u{10ffff}", "\u{10ffff}", "\u{10ffff}\u{10ffff}", "y"]) {
      for (const bad of ["\u0000", "\ud800", "\udbff", "\udc00", "\udfff"]) {
        for (const rest of ["", "a", "\ud800", "\udc00"]) cursors.push(prefix + bad + rest);
      }
    }
    for (const cursor of cursors) {
      const page = await t.store.listExecutions({ cursor, limit: 100 });
      expect({ cursor, ids: page.executions.map((e) => e.executionId) }).toEqual({ cursor, ids: after(cursor) });
    }
  });

  it("keeps paging from such a cursor with nextCursor", async () => {
    const cursor = "x\ud800";
    const seen: string[] = [];
    let page = await t.store.listExecutions({ cursor, limit: 2 });
    for (;;) {
      seen.push(...page.executions.map((e) => e.executionId));
      if (page.nextCursor === undefined) break;
      page = await t.store.listExecutions({ cursor: page.nextCursor, limit: 2 });
    }
    expect(seen).toEqual(after(cursor));
  });

  it("translates only cursors PostgreSQL text cannot hold", () => {
    expect(executionBound("x\ufffd")).toEqual({ text: "x\ufffd", inclusive: false });
    expect(executionBound("x\u0000y")).toEqual({ text: "x", inclusive: false });
    expect(executionBound("x\ud800y")).toEqual({ text: "x\u{10000}", inclusive: true });
    expect(executionBound("x\ud7ff\udc00")).toEqual({ text: "x\ue000", inclusive: true });
    expect(executionBound("x\u{10ffff}\udc00")).toEqual({ text: "y", inclusive: true });
    expect(executionBound("\u{10ffff}\udc00")).toBeUndefined();
  });
});
