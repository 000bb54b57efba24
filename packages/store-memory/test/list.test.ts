import { InvalidArgumentError } from "@lg/core";
import { MemoryCheckpointStore } from "../src/index.js";
import { makeCheckpoint, newExecutionId, versionsOf } from "./fixtures.js";

describe("list and latest", () => {
  let store: MemoryCheckpointStore;
  let executionId: string;
  beforeEach(async () => {
    store = new MemoryCheckpointStore();
    executionId = newExecutionId();
    // Out of order on purpose, as a fork or a restore can deliver them.
    for (const version of [5, 1, 9, 3, 7, 2, 10, 4, 8, 6]) await store.save(makeCheckpoint(executionId, version));
  });
  afterEach(async () => {
    await store.close();
  });

  it("lists ascending by version by default, whatever the insertion order", async () => {
    expect(versionsOf(await store.list(executionId))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(versionsOf(await store.list(executionId, { order: "asc" }))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("lists descending with order: desc", async () => {
    expect(versionsOf(await store.list(executionId, { order: "desc" }))).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it("applies limit after ordering", async () => {
    expect(versionsOf(await store.list(executionId, { limit: 3 }))).toEqual([1, 2, 3]);
    expect(versionsOf(await store.list(executionId, { limit: 3, order: "desc" }))).toEqual([10, 9, 8]);
    expect(versionsOf(await store.list(executionId, { limit: 50 }))).toHaveLength(10);
  });

  it("filters with beforeVersion and afterVersion (both exclusive)", async () => {
    expect(versionsOf(await store.list(executionId, { beforeVersion: 4 }))).toEqual([1, 2, 3]);
    expect(versionsOf(await store.list(executionId, { afterVersion: 7 }))).toEqual([8, 9, 10]);
    expect(versionsOf(await store.list(executionId, { afterVersion: 3, beforeVersion: 7 }))).toEqual([4, 5, 6]);
    expect(versionsOf(await store.list(executionId, { afterVersion: 6, beforeVersion: 6 }))).toEqual([]);
  });

  it("pages backwards through history with beforeVersion + limit + desc", async () => {
    const page1 = await store.list(executionId, { order: "desc", limit: 4 });
    const page2 = await store.list(executionId, { order: "desc", limit: 4, beforeVersion: page1.at(-1)?.version });
    const page3 = await store.list(executionId, { order: "desc", limit: 4, beforeVersion: page2.at(-1)?.version });
    expect([page1, page2, page3].map(versionsOf)).toEqual([
      [10, 9, 8, 7],
      [6, 5, 4, 3],
      [2, 1],
    ]);
  });

  it("returns the newest version from latest, also after an out-of-order insert below it", async () => {
    expect((await store.latest(executionId))?.version).toBe(10);
    await store.save(makeCheckpoint(executionId, 12));
    await store.save(makeCheckpoint(executionId, 11));
    expect((await store.latest(executionId))?.version).toBe(12);
    expect(versionsOf(await store.list(executionId, { afterVersion: 9 }))).toEqual([10, 11, 12]);
  });

  it("keeps executions apart", async () => {
    const other = newExecutionId();
    await store.save(makeCheckpoint(other, 1));
    expect(versionsOf(await store.list(other))).toEqual([1]);
    expect(await store.list(executionId)).toHaveLength(10);
    expect((await store.latest(other))?.executionId).toBe(other);
  });

  it("rejects malformed options and ids with InvalidArgumentError", async () => {
    await expect(store.list(executionId, { limit: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.list(executionId, { limit: 1.5 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.list(executionId, { beforeVersion: Number.NaN })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.list(executionId, { order: "sideways" as "asc" })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.list("")).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.latest("")).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.load("")).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
