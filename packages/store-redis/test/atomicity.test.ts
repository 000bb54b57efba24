import { CheckpointConflictError } from "@lg/core";
import { createTestCheckpoint, uniqueId } from "@lg/store-testkit";
import type { RedisCheckpointStore } from "@lg/store-redis";
import { expectConsistent, openNamespace, type Namespace } from "./helpers.js";

let ns: Namespace;
beforeEach(async () => {
  ns = await openNamespace();
});
afterEach(async () => {
  await ns.cleanup();
});

describe("atomicity", () => {
  it("clear racing with saves on two connections never orphans a key", async () => {
    const writer = ns.store();
    const clearer = ns.store();
    const executionIds = [uniqueId("race"), uniqueId("race")];
    const operations: Promise<unknown>[] = [];
    for (let version = 1; version <= 60; version++) {
      for (const executionId of executionIds) {
        operations.push(writer.save(createTestCheckpoint({ executionId, version })).catch((error: unknown) => error));
      }
      if (version % 7 === 0) for (const executionId of executionIds) operations.push(clearer.clear(executionId));
    }
    const results = await Promise.all(operations);
    // a save after a clear may reuse a version freed by it, so only conflicts are allowed to fail
    for (const result of results) if (result instanceof Error) expect(result).toBeInstanceOf(CheckpointConflictError);
    const { checkpoints } = await expectConsistent(ns, writer);
    const survivors =
      (await writer.list(executionIds[0] as string)).length + (await writer.list(executionIds[1] as string)).length;
    expect(survivors).toBe(checkpoints);
    expect((await writer.stats()).checkpoints).toBe(checkpoints);
  });

  it("saves, deletes, prunes and clears interleaved from three connections keep every index exact", async () => {
    const [a, b, c] = [ns.store(), ns.store(), ns.store()];
    const executionId = uniqueId("mixed");
    const saved = Array.from({ length: 40 }, (_, i) => createTestCheckpoint({ executionId, version: i + 1 }));
    const work: Promise<unknown>[] = [];
    saved.forEach((cp, i) => {
      work.push(a.save(cp));
      if (i % 5 === 4) work.push(b.delete((saved[i - 2] as { id: string }).id));
      if (i % 9 === 8) work.push(c.prune(executionId, { keepLast: 3 }));
    });
    await Promise.all(work);
    await expectConsistent(ns, a);
    const versions = (await a.list(executionId)).map((cp) => cp.version);
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(versions.at(-1)).toBe(40);
    await c.clear(executionId);
    expect(await ns.db.keys()).toEqual([]);
  });

  it("a version conflict is decided inside the script: exactly one of many racing stores wins", async () => {
    const stores = [ns.store(), ns.store(), ns.store(), ns.store()];
    const executionId = uniqueId("winner");
    const candidates = Array.from({ length: 16 }, (_, i) =>
      createTestCheckpoint({ executionId, version: 1, state: { i } }),
    );
    const results = await Promise.allSettled(
      candidates.map((cp, i) => (stores[i % 4] as RedisCheckpointStore).save(cp)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(CheckpointConflictError);
    expect(await ns.command("ZCARD", stores[0]?.keys.executionIndex(executionId) as string)).toBe(1);
    const { checkpoints } = await expectConsistent(ns, stores[0] as RedisCheckpointStore);
    expect(checkpoints).toBe(1);
  });
});
