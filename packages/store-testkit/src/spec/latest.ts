import type { CheckpointStore } from "@lg/core";
import { createTestCheckpoint, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { expectCheckpoint, expectTrue } from "./expect.js";
import type { SpecOptions } from "./options.js";

/**
 * `latest`: `undefined` for an unknown execution; the highest version, not the last saved nor the highest
 * timestamp, compared as numbers (10 beats 9); the previous one after the newest is deleted; unaffected by other
 * executions.
 */
export function latestSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("latest", () => {
    ctx.test("an unknown execution yields undefined", async (store) => {
      const result = await store.latest(uniqueId("latest-missing"));
      expectTrue(result === undefined, `latest(unknown) must resolve to undefined, got ${String(result)}`);
    });

    ctx.test("returns the highest version, not the last saved", async (store) => {
      const executionId = uniqueId("latest");
      const v3 = createTestCheckpoint({ executionId, version: 3 });
      await store.save(createTestCheckpoint({ executionId, version: 2 }));
      await store.save(v3);
      await store.save(createTestCheckpoint({ executionId, version: 1 }));
      expectCheckpoint(await store.latest(executionId), v3, "latest after saving versions 2, 3, 1 must be version 3");
    });

    ctx.test("compares versions as numbers (10 is newer than 9)", async (store) => {
      const executionId = uniqueId("latest");
      const v10 = createTestCheckpoint({ executionId, version: 10 });
      await store.save(v10);
      await store.save(createTestCheckpoint({ executionId, version: 9 }));
      expectCheckpoint(await store.latest(executionId), v10, "latest of versions 10 and 9 must be version 10");
    });

    ctx.test("is decided by version, not by timestamp", async (store) => {
      const executionId = uniqueId("latest");
      const newerVersion = createTestCheckpoint({ executionId, version: 2, timestamp: new Date(1_000_000) });
      await store.save(createTestCheckpoint({ executionId, version: 1, timestamp: new Date(9_000_000) }));
      await store.save(newerVersion);
      expectCheckpoint(await store.latest(executionId), newerVersion, "latest must follow version, not timestamp");
    });

    ctx.test("falls back to the previous version when the newest is deleted", async (store) => {
      const executionId = uniqueId("latest");
      const v1 = createTestCheckpoint({ executionId, version: 1 });
      const v2 = createTestCheckpoint({ executionId, version: 2, parentId: v1.id });
      await store.save(v1);
      await store.save(v2);
      await store.delete(v2.id);
      expectCheckpoint(await store.latest(executionId), v1, "latest after deleting version 2 must be version 1");
    });

    ctx.test("is not affected by other executions", async (store) => {
      const executionId = uniqueId("latest");
      const mine = createTestCheckpoint({ executionId, version: 1 });
      await store.save(mine);
      await store.save(createTestCheckpoint({ executionId: uniqueId("latest-other"), version: 50 }));
      expectCheckpoint(await store.latest(executionId), mine, "latest(A) must ignore execution B's newer versions");
    });
  });
}
