import { MemoryCheckpointStore } from "../src/index.js";
import { makeCheckpoint, newExecutionId, versionsOf } from "./fixtures.js";

describe("delete and clear", () => {
  let store: MemoryCheckpointStore;
  beforeEach(() => {
    store = new MemoryCheckpointStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it("delete removes one checkpoint from load, list and latest and keeps the rest ordered", async () => {
    const executionId = newExecutionId();
    const cps = [1, 2, 3, 4].map((v) => makeCheckpoint(executionId, v));
    for (const cp of cps) await store.save(cp);

    await store.delete(cps[1]!.id);
    expect(await store.load(cps[1]!.id)).toBeUndefined();
    expect(versionsOf(await store.list(executionId))).toEqual([1, 3, 4]);

    await store.delete(cps[3]!.id);
    expect((await store.latest(executionId))?.version).toBe(3);
    expect(versionsOf(await store.list(executionId, { order: "desc" }))).toEqual([3, 1]);
  });

  it("delete of an unknown id resolves without error and changes nothing", async () => {
    const executionId = newExecutionId();
    await store.save(makeCheckpoint(executionId, 1));
    await expect(store.delete("does-not-exist")).resolves.toBeUndefined();
    expect((await store.stats()).checkpoints).toBe(1);
  });

  it("deleting an execution's last checkpoint removes the execution", async () => {
    const executionId = newExecutionId();
    const cp = makeCheckpoint(executionId, 1);
    await store.save(cp);
    await store.delete(cp.id);
    expect(await store.latest(executionId)).toBeUndefined();
    expect((await store.listExecutions()).executions).toEqual([]);
    expect(await store.stats()).toMatchObject({ checkpoints: 0, executions: 0, bytes: 0 });
  });

  it("clear removes one execution and leaves the others untouched", async () => {
    const doomed = newExecutionId("a");
    const kept = newExecutionId("b");
    const doomedCps = [1, 2, 3].map((v) => makeCheckpoint(doomed, v));
    const keptCps = [1, 2].map((v) => makeCheckpoint(kept, v));
    for (const cp of [...doomedCps, ...keptCps]) await store.save(cp);

    await store.clear(doomed);

    expect(await store.list(doomed)).toEqual([]);
    expect(await store.latest(doomed)).toBeUndefined();
    for (const cp of doomedCps) expect(await store.load(cp.id)).toBeUndefined();
    expect(await store.list(kept)).toEqual(keptCps);
    expect((await store.listExecutions()).executions.map((e) => e.executionId)).toEqual([kept]);
    expect(await store.stats()).toMatchObject({ checkpoints: 2, executions: 1 });
  });

  it("clear of an unknown execution resolves without error", async () => {
    await store.save(makeCheckpoint(newExecutionId(), 1));
    await expect(store.clear("no-such-execution")).resolves.toBeUndefined();
    expect((await store.stats()).checkpoints).toBe(1);
  });

  it("accepts new checkpoints for an execution after it was cleared", async () => {
    const executionId = newExecutionId();
    await store.save(makeCheckpoint(executionId, 1));
    await store.clear(executionId);
    const fresh = makeCheckpoint(executionId, 1);
    await store.save(fresh);
    expect(await store.list(executionId)).toEqual([fresh]);
  });
});
