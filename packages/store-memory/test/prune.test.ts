import { InvalidArgumentError } from "@lg/core";
import { pruneCheckpoints } from "@lg/core/store";
import { MemoryCheckpointStore } from "../src/index.js";
import { makeCheckpoint, newExecutionId, versionsOf } from "./fixtures.js";

const BASE = 1_700_000_000_000;

describe("prune", () => {
  let store: MemoryCheckpointStore;
  let executionId: string;
  let ids: Map<number, string>;
  beforeEach(async () => {
    store = new MemoryCheckpointStore();
    executionId = newExecutionId();
    ids = new Map();
    // Versions 1..8, one minute apart, saved out of order.
    for (const version of [3, 1, 2, 8, 5, 4, 7, 6]) {
      const cp = makeCheckpoint(executionId, version, { timestamp: new Date(BASE + version * 60_000) });
      ids.set(version, cp.id);
      await store.save(cp);
    }
  });
  afterEach(async () => {
    await store.close();
  });

  it("declares native prune", () => {
    expect(store.capabilities).toEqual({
      nativePrune: true,
      persistent: false,
      multiProcess: false,
      ttl: false,
      taskResults: true,
      incremental: true,
      headerList: true,
    });
    expect(typeof store.prune).toBe("function");
  });

  it("keepLast keeps the newest N and returns the number deleted", async () => {
    expect(await store.prune(executionId, { keepLast: 3 })).toBe(5);
    expect(versionsOf(await store.list(executionId))).toEqual([6, 7, 8]);
    expect(await store.load(ids.get(1)!)).toBeUndefined();
    expect((await store.stats()).checkpoints).toBe(3);
  });

  it("olderThan deletes only checkpoints before the instant but never the newest", async () => {
    expect(await store.prune(executionId, { olderThan: new Date(BASE + 4 * 60_000) })).toBe(3);
    expect(versionsOf(await store.list(executionId))).toEqual([4, 5, 6, 7, 8]);
    expect(await store.prune(executionId, { olderThan: new Date(BASE + 100 * 60_000) })).toBe(4);
    expect(versionsOf(await store.list(executionId))).toEqual([8]);
  });

  it("with keepLast and olderThan deletes only what both rules allow", async () => {
    // keepLast 5 alone would delete 1-3; olderThan v3 alone would delete 1-2; together 1-2.
    expect(await store.prune(executionId, { keepLast: 5, olderThan: new Date(BASE + 3 * 60_000) })).toBe(2);
    expect(versionsOf(await store.list(executionId))).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it("never deletes protected ids", async () => {
    const deleted = await store.prune(executionId, { keepLast: 1, protect: [ids.get(2)!, ids.get(5)!] });
    expect(deleted).toBe(5);
    expect(versionsOf(await store.list(executionId))).toEqual([2, 5, 8]);
  });

  it("leaves other executions alone and keeps latest, list and paging consistent", async () => {
    const other = newExecutionId();
    for (const v of [1, 2, 3]) await store.save(makeCheckpoint(other, v));
    await store.prune(executionId, { keepLast: 2 });
    expect(versionsOf(await store.list(other))).toEqual([1, 2, 3]);
    expect((await store.latest(executionId))?.version).toBe(8);
    expect(versionsOf(await store.list(executionId, { order: "desc", limit: 1 }))).toEqual([8]);
    await store.save(makeCheckpoint(executionId, 9));
    expect(versionsOf(await store.list(executionId))).toEqual([7, 8, 9]);
  });

  it("is what pruneCheckpoints from core uses", async () => {
    expect(await pruneCheckpoints(store, executionId, { keepLast: 4 })).toBe(4);
    expect(versionsOf(await store.list(executionId))).toEqual([5, 6, 7, 8]);
  });

  it("returns 0 for an unknown execution or when nothing qualifies", async () => {
    expect(await store.prune(newExecutionId(), { keepLast: 1 })).toBe(0);
    expect(await store.prune(executionId, { keepLast: 100 })).toBe(0);
    expect(await store.list(executionId)).toHaveLength(8);
  });

  it("rejects missing or malformed options with InvalidArgumentError", async () => {
    await expect(store.prune(executionId, {})).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.prune(executionId, { keepLast: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.prune(executionId, { olderThan: new Date(Number.NaN) })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(store.prune(newExecutionId(), {})).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await store.list(executionId)).toHaveLength(8);
  });
});
