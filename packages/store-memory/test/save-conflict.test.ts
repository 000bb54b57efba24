import { CheckpointConflictError, type Checkpoint } from "@lg/core";
import { MemoryCheckpointStore } from "../src/index.js";
import { makeCheckpoint, newExecutionId, versionsOf } from "./fixtures.js";

describe("save: conflicts and idempotency", () => {
  let store: MemoryCheckpointStore;
  beforeEach(() => {
    store = new MemoryCheckpointStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it("rejects a second checkpoint with the same (executionId, version)", async () => {
    const executionId = newExecutionId();
    const first = makeCheckpoint(executionId, 8);
    await store.save(first);
    const rival = makeCheckpoint(executionId, 8, { state: { by: "rival" } });
    const error: unknown = await store.save(rival).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointConflictError);
    expect(error).toMatchObject({ code: "LG_CHECKPOINT_CONFLICT", executionId, version: 8 });
    expect(await store.load(rival.id)).toBeUndefined();
    expect((await store.latest(executionId))?.id).toBe(first.id);
  });

  it("lets the same version exist in different executions", async () => {
    await store.save(makeCheckpoint(newExecutionId(), 1));
    await store.save(makeCheckpoint(newExecutionId(), 1));
    expect((await store.stats()).checkpoints).toBe(2);
  });

  it("treats an identical re-save as a no-op, even with keys in another order or a copied object", async () => {
    const executionId = newExecutionId();
    const cp = makeCheckpoint(executionId, 1, { state: { a: 1, b: new Map([["k", 2n]]) } });
    await store.save(cp);
    await store.save(cp);
    await store.save({ ...cp, state: { a: 1, b: new Map([["k", 2n]]) }, timestamp: new Date(cp.timestamp) });
    const reordered: Checkpoint = {
      next: [...cp.next],
      version: cp.version,
      timestamp: new Date(cp.timestamp),
      metadata: { ...cp.metadata },
      state: { b: new Map([["k", 2n]]), a: 1 },
      nodeName: cp.nodeName,
      executionId,
      id: cp.id,
    };
    await store.save(reordered);
    expect(versionsOf(await store.list(executionId))).toEqual([1]);
    expect((await store.stats()).checkpoints).toBe(1);
  });

  it("rejects re-saving an id with different content, and keeps the original", async () => {
    const executionId = newExecutionId();
    const cp = makeCheckpoint(executionId, 1);
    await store.save(cp);
    const variants: Checkpoint[] = [
      { ...cp, state: { count: 2 } },
      { ...cp, metadata: { ...cp.metadata, step: 77 } },
      { ...cp, nodeName: "other" },
      { ...cp, next: [] },
      { ...cp, timestamp: new Date(cp.timestamp.getTime() + 1) },
      { ...cp, parentId: "some-parent" },
      { ...cp, version: 2 },
      { ...cp, executionId: newExecutionId() },
    ];
    for (const variant of variants) {
      await expect(store.save(variant)).rejects.toBeInstanceOf(CheckpointConflictError);
    }
    expect(await store.load(cp.id)).toEqual(cp);
    expect((await store.stats()).checkpoints).toBe(1);
  });

  it("lets exactly one of many concurrent saves of one version win", async () => {
    const executionId = newExecutionId();
    const rivals = Array.from({ length: 20 }, (_, i) => makeCheckpoint(executionId, 3, { state: { writer: i } }));
    const results = await Promise.allSettled(rivals.map((cp) => store.save(cp)));
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    for (const r of lost) expect(r.reason).toBeInstanceOf(CheckpointConflictError);
    expect(await store.list(executionId)).toHaveLength(1);
  });

  it("frees a version again once its checkpoint is deleted", async () => {
    const executionId = newExecutionId();
    const old = makeCheckpoint(executionId, 1);
    await store.save(old);
    await store.delete(old.id);
    const replacement = makeCheckpoint(executionId, 1);
    await store.save(replacement);
    expect((await store.latest(executionId))?.id).toBe(replacement.id);
  });
});
