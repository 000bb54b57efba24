import type { CheckpointStore } from "@lg/core";
import { createCheckpointChain, createTestCheckpoint, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { expectCheckpoint, expectResolves, expectTrue, expectVersions, idsOf, nth } from "./expect.js";
import type { SpecOptions } from "./options.js";

/**
 * `delete` and `clear`: `delete` removes exactly one checkpoint from `load`, `list` and `latest`; `clear`
 * removes all of one execution; both are silent no-ops for missing ids and executions and leave other
 * executions intact; a cleared execution starts again from version 1.
 */
export function deleteSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("delete and clear", () => {
    ctx.test("delete removes exactly that checkpoint from load, list and latest", async (store) => {
      const chain = createCheckpointChain(uniqueId("delete"), 3);
      for (const cp of chain) await store.save(cp);
      const [v1, v2, v3] = [nth(chain, 0), nth(chain, 1), nth(chain, 2)];
      await store.delete(v2.id);
      expectTrue((await store.load(v2.id)) === undefined, "load of a deleted checkpoint must yield undefined");
      expectVersions(await store.list(v1.executionId), [1, 3], "list after deleting version 2");
      expectCheckpoint(await store.load(v1.id), v1, "version 1 must survive deleting version 2");
      expectCheckpoint(await store.latest(v1.executionId), v3, "latest must still be version 3");
    });

    ctx.test("delete of a missing id is a no-op that leaves other data intact", async (store) => {
      const cp = createTestCheckpoint({ executionId: uniqueId("delete"), version: 1 });
      await store.save(cp);
      await expectResolves(store.delete(uniqueId("missing")), "delete(missing id)");
      await expectResolves(store.delete(`${cp.id}x`), "delete(an id that only starts like a stored one)");
      expectCheckpoint(await store.load(cp.id), cp, "a stored checkpoint after deleting missing ids");
    });

    ctx.test("deleting the same id twice is harmless", async (store) => {
      const cp = createTestCheckpoint({ executionId: uniqueId("delete"), version: 1 });
      await store.save(cp);
      await store.delete(cp.id);
      await expectResolves(store.delete(cp.id), "a second delete of the same id");
      expectTrue((await store.load(cp.id)) === undefined, "the checkpoint must stay deleted");
    });

    ctx.test("clear removes every checkpoint of the execution and no other", async (store) => {
      const executionId = uniqueId("clear");
      const keptExecutionId = uniqueId("clear-kept");
      const doomed = createCheckpointChain(executionId, 4);
      const kept = createCheckpointChain(keptExecutionId, 2);
      for (const cp of [...doomed, ...kept]) await store.save(cp);
      await store.clear(executionId);
      expectVersions(await store.list(executionId), [], "list after clear");
      expectTrue((await store.latest(executionId)) === undefined, "latest after clear must yield undefined");
      for (const cp of doomed) {
        expectTrue((await store.load(cp.id)) === undefined, `load(${cp.id}) after clear must yield undefined`);
      }
      const survivors = await store.list(keptExecutionId);
      expectTrue(
        idsOf(survivors).join() === idsOf(kept).join(),
        "clear(A) must leave execution B's checkpoints in place",
      );
    });

    ctx.test("clear of an unknown execution is a no-op that leaves others intact", async (store) => {
      const cp = createTestCheckpoint({ executionId: uniqueId("clear"), version: 1 });
      await store.save(cp);
      await expectResolves(store.clear(uniqueId("missing")), "clear(unknown execution)");
      await expectResolves(store.clear(cp.executionId.slice(0, -1)), "clear(a prefix of a stored execution id)");
      expectCheckpoint(await store.load(cp.id), cp, "a stored checkpoint after clearing other executions");
      expectCheckpoint(await store.latest(cp.executionId), cp, "latest after clearing other executions");
    });

    ctx.test("a cleared execution starts again from version 1", async (store) => {
      const executionId = uniqueId("clear");
      for (const cp of createCheckpointChain(executionId, 3)) await store.save(cp);
      await store.clear(executionId);
      const fresh = createTestCheckpoint({ executionId, version: 1, state: { fresh: true } });
      await expectResolves(store.save(fresh), "saving version 1 again after clear");
      expectCheckpoint(await store.latest(executionId), fresh, "latest after restarting a cleared execution");
      expectVersions(await store.list(executionId), [1], "list after restarting a cleared execution");
    });
  });
}
