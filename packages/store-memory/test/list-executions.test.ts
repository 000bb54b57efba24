import { InvalidArgumentError, type ExecutionSummary } from "@lg/core";
import { MemoryCheckpointStore } from "../src/index.js";
import { makeCheckpoint } from "./fixtures.js";

describe("listExecutions", () => {
  let store: MemoryCheckpointStore;
  beforeEach(() => {
    store = new MemoryCheckpointStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it("pages through executions in id order across three pages with an exclusive cursor", async () => {
    // Inserted in scrambled order; "B" < "a" < "b" in code point order, and "é" sorts after ASCII.
    const ids = ["exec-07", "exec-03", "B", "exec-01", "é-last", "a", "exec-05", "b"];
    for (const [i, id] of ids.entries()) {
      await store.save(makeCheckpoint(id, 1, { timestamp: new Date(1000 * i) }));
      await store.save(makeCheckpoint(id, 2, { timestamp: new Date(1000 * i + 500) }));
    }
    const sorted = [...ids].sort();

    const page1 = await store.listExecutions({ limit: 3 });
    const page2 = await store.listExecutions({ limit: 3, cursor: page1.nextCursor });
    const page3 = await store.listExecutions({ limit: 3, cursor: page2.nextCursor });

    const names = (page: { executions: ExecutionSummary[] }) => page.executions.map((e) => e.executionId);
    expect(names(page1)).toEqual(sorted.slice(0, 3));
    expect(names(page2)).toEqual(sorted.slice(3, 6));
    expect(names(page3)).toEqual(sorted.slice(6));
    expect(page1.nextCursor).toBe(sorted[2]);
    expect(page2.nextCursor).toBe(sorted[5]);
    expect(page3.nextCursor).toBeUndefined();
    expect(sorted).toEqual(["B", "a", "b", "exec-01", "exec-03", "exec-05", "exec-07", "é-last"]);
  });

  it("summarises each execution by its newest checkpoint", async () => {
    await store.save(makeCheckpoint("x", 3, { timestamp: new Date(3000) }));
    await store.save(makeCheckpoint("x", 7, { timestamp: new Date(7000) }));
    await store.save(makeCheckpoint("x", 5, { timestamp: new Date(5000) }));
    const page = await store.listExecutions();
    expect(page).toEqual({ executions: [{ executionId: "x", latestVersion: 7, updatedAt: new Date(7000) }] });
  });

  it("omits nextCursor when the last page is exactly full, and returns an empty page past the end", async () => {
    for (const id of ["a", "b", "c"]) await store.save(makeCheckpoint(id, 1));
    const page = await store.listExecutions({ limit: 3 });
    expect(page.executions).toHaveLength(3);
    expect(page.nextCursor).toBeUndefined();
    expect(await store.listExecutions({ cursor: "c" })).toEqual({ executions: [] });
  });

  it("accepts a cursor that is no longer stored and continues after it", async () => {
    for (const id of ["a", "b", "c", "d"]) await store.save(makeCheckpoint(id, 1));
    const page1 = await store.listExecutions({ limit: 2 });
    await store.clear("b");
    const page2 = await store.listExecutions({ limit: 2, cursor: page1.nextCursor });
    expect(page2.executions.map((e) => e.executionId)).toEqual(["c", "d"]);
  });

  it("defaults to pages of 100", async () => {
    for (let i = 0; i < 105; i++) await store.save(makeCheckpoint(`e${String(i).padStart(3, "0")}`, 1));
    const page1 = await store.listExecutions();
    expect(page1.executions).toHaveLength(100);
    expect(page1.nextCursor).toBe("e099");
    const page2 = await store.listExecutions({ cursor: page1.nextCursor });
    expect(page2.executions.map((e) => e.executionId)).toEqual(["e100", "e101", "e102", "e103", "e104"]);
  });

  it("rejects malformed options with InvalidArgumentError", async () => {
    await expect(store.listExecutions({ limit: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.listExecutions({ cursor: 5 as unknown as string })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
