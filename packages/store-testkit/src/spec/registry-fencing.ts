import { CheckpointConflictError, type CheckpointStore, type Lease } from "@lg/core";
import { createTestCheckpoint, uniqueId } from "../fixtures.js";
import { expectCheckpoint, expectEqual, expectRejects, expectResolves, expectTrue } from "./expect.js";
import { claimAfterExpiry, enqueued, LEASE_LOST, running, SHORT_LEASE_MS, submission } from "./registry-fixtures.js";
import type { RegistryTests } from "./registry-support.js";

const CONFLICT = { type: CheckpointConflictError, code: "LG_CHECKPOINT_CONFLICT" } as const;

/** Saves version 1 under `lease` and returns the checkpoint, which must then be the execution's newest. */
async function savedUnder(store: CheckpointStore, lease: Lease) {
  const cp = createTestCheckpoint({ executionId: lease.executionId, version: 1 });
  await expectResolves(store.save(cp, { lease }), "save(cp, { lease }) while the lease is held");
  return cp;
}

/**
 * Fencing: `save(cp, { lease })` commits while the lease is held and is refused with `LeaseLostError`, writing
 * nothing, once another worker took the execution over, after a cancel and after a clear; the version check still
 * applies under a held lease, and a lost lease is reported before a conflict; a save without a lease is unaffected.
 * `clear` removes the execution's record.
 */
export function registryFencingSpec<S extends CheckpointStore>(tests: RegistryTests<S>): void {
  tests.ctx.suite("save fenced by a lease", () => {
    tests.test("commits while the lease is held; the version check still applies", async (store, registry) => {
      const lease = await running(registry, uniqueId("reg-fence"));
      const first = await savedUnder(store, lease);
      const second = createTestCheckpoint({ executionId: lease.executionId, version: 2, parentId: first.id });
      await expectResolves(store.save(second, { lease }), "a second save under the same lease");
      await expectRejects(
        store.save(createTestCheckpoint({ executionId: lease.executionId, version: 2 }), { lease }),
        CONFLICT,
        "a save at a taken version under a held lease",
      );
      expectCheckpoint(await store.latest(lease.executionId), second, "latest is the second save");
    });

    tests.test("is refused after another worker took the execution over", async (store, registry) => {
      const zombie = await running(registry, uniqueId("reg-zombie"), SHORT_LEASE_MS, "worker-a");
      const first = await savedUnder(store, zombie);
      const current = await claimAfterExpiry(registry, zombie.executionId, "worker-b");
      const late = createTestCheckpoint({ executionId: zombie.executionId, version: 2, parentId: first.id });
      const error = await expectRejects(store.save(late, { lease: zombie }), LEASE_LOST, "a save under a lost lease");
      expectTrue(
        (error as { executionId?: unknown }).executionId === zombie.executionId,
        "LeaseLostError names the execution",
      );
      expectCheckpoint(await store.latest(zombie.executionId), first, "nothing was written by the refused save");
      // The version the zombie would also have collided with: the lost lease is what it hears about, not a conflict.
      await expectRejects(
        store.save(createTestCheckpoint({ executionId: zombie.executionId, version: 1 }), { lease: zombie }),
        LEASE_LOST,
        "a save under a lost lease at a taken version (the lease is checked first)",
      );
      await expectResolves(store.save(late, { lease: current }), "the same save under the new lease");
    });

    tests.test("is refused after a cancel and after a clear", async (store, registry) => {
      const cancelled = await running(registry, uniqueId("reg-fence-cancel"));
      const kept = await savedUnder(store, cancelled);
      await registry.cancel(cancelled.executionId);
      await expectRejects(
        store.save(createTestCheckpoint({ executionId: cancelled.executionId, version: 2 }), { lease: cancelled }),
        LEASE_LOST,
        "a save under a cancelled lease",
      );
      expectCheckpoint(await store.latest(cancelled.executionId), kept, "nothing was written after the cancel");
      const cleared = await running(registry, uniqueId("reg-fence-clear"));
      await savedUnder(store, cleared);
      await store.clear(cleared.executionId);
      await expectRejects(
        store.save(createTestCheckpoint({ executionId: cleared.executionId, version: 2 }), { lease: cleared }),
        LEASE_LOST,
        "a save under the lease of a cleared execution",
      );
      expectTrue((await store.latest(cleared.executionId)) === undefined, "nothing was written after the clear");
    });

    tests.test("a save without a lease is unaffected by the registry", async (store, registry) => {
      const lease = await running(registry, uniqueId("reg-unfenced"));
      const cp = createTestCheckpoint({ executionId: lease.executionId, version: 1 });
      await expectResolves(store.save(cp), "save without a lease of a running execution");
      const queued = (await enqueued(registry, uniqueId("reg-unfenced-q"))).executionId;
      await expectResolves(
        store.save(createTestCheckpoint({ executionId: queued, version: 1 })),
        "save without a lease of a queued execution",
      );
      await expectResolves(
        store.save(createTestCheckpoint({ executionId: uniqueId("reg-no-record"), version: 1 })),
        "save without a lease of an execution without a record",
      );
    });

    tests.test(
      "a save is fenced by the record of the lease's execution (a subgraph's run under its parent's lease)",
      async (store, registry) => {
        const parent = await running(registry, uniqueId("reg-parent"), SHORT_LEASE_MS, "worker-a");
        const child = `${parent.executionId}::sub::step::1`;
        await expectResolves(
          store.save(createTestCheckpoint({ executionId: child, version: 1 }), { lease: parent }),
          "a save of the child execution under the parent's held lease",
        );
        await claimAfterExpiry(registry, parent.executionId, "worker-b");
        await expectRejects(
          store.save(createTestCheckpoint({ executionId: child, version: 2 }), { lease: parent }),
          LEASE_LOST,
          "a save of the child execution under the parent's lease after another worker took the parent over",
        );
        expectEqual((await store.latest(child))?.version, 1, "nothing was written to the child after the takeover");
      },
    );

    tests.test("clear removes the execution's record", async (store, registry) => {
      const lease = await running(registry, uniqueId("reg-clear"));
      await savedUnder(store, lease);
      const other = (await enqueued(registry, uniqueId("reg-clear-other"))).executionId;
      await store.clear(lease.executionId);
      expectTrue((await registry.get(lease.executionId)) === undefined, "get after clear finds no record");
      expectTrue((await registry.get(other)) !== undefined, "clear leaves other executions' records");
      expectEqual((await registry.counts()).running, 0, "counts after clear no longer count the record");
      const again = await registry.enqueue(submission(lease.executionId, { inputKey: lease.record.inputKey }));
      expectTrue(again.outcome === "created", `enqueue after clear creates a new record, got ${again.outcome}`);
    });
  });
}
