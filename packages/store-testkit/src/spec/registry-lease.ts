import type { CheckpointStore, ExecutionRecord, ReleaseOutcome } from "@lg/core";
import { uniqueId } from "../fixtures.js";
import { expectEqual, expectRejects, expectTrue } from "./expect.js";
import {
  claimAfterExpiry,
  claimOf,
  claimed,
  enqueued,
  expectAbout,
  LEASE_LOST,
  recordOf,
  running,
  SHORT_LEASE_MS,
  sleep,
} from "./registry-fixtures.js";
import type { RegistryTests } from "./registry-support.js";

/** The fields `release` and `cancel` decide, for comparing records. */
function leaseFields(record: ExecutionRecord | undefined): unknown {
  return {
    status: record?.status,
    owner: record?.owner,
    leaseExpiresAt: record?.leaseExpiresAt,
    error: record?.error,
  };
}

/**
 * `renew`, `release` and `cancel`: renew extends held leases (also one that ran out while nobody took it over) and
 * reports the lost ones (taken over, cancelled, cleared); release sets the outcome and drops the lease, or rejects
 * with `LeaseLostError` changing nothing; cancel ends what has not ended and drops its lease.
 */
export function registryLeaseSpec<S extends CheckpointStore>(tests: RegistryTests<S>): void {
  tests.ctx.suite("renew", () => {
    tests.test("extends the leases still held, in one call", async (_store, registry) => {
      const a = await running(registry, uniqueId("reg-renew-a"));
      const b = await running(registry, uniqueId("reg-renew-b"));
      const before = Date.now();
      const result = await registry.renew([a, b], 120_000);
      const after = Date.now();
      expectEqual(result?.lost, [], "renew of held leases loses none");
      expectAbout(result.expiresAt, before, after, 120_000, "renew's expiresAt");
      for (const lease of [a, b]) {
        const record = await recordOf(registry, lease.executionId);
        expectTrue(
          Math.abs((record.leaseExpiresAt?.getTime() ?? 0) - result.expiresAt.getTime()) <= 1000,
          `the record's leaseExpiresAt must be the renewed expiry ${result.expiresAt.toISOString()}, ` +
            `got ${record.leaseExpiresAt?.toISOString()}`,
        );
        expectTrue(record.status === "running" && record.owner === lease.record.owner, "renew keeps status and owner");
      }
    });

    tests.test("renews a lease that ran out while nobody took it over", async (_store, registry) => {
      const lease = await running(registry, uniqueId("reg-renew-late"), SHORT_LEASE_MS);
      const ends = lease.record.leaseExpiresAt?.getTime() ?? Date.now();
      while (Date.now() < ends + 500) await sleep(50);
      const result = await registry.renew([lease], 60_000);
      expectEqual(result.lost, [], "a lease that ran out but was not taken over is still held");
      expectEqual(await registry.claim(claimOf("worker-b")), [], "a renewed lease is not claimed by another worker");
    });

    tests.test("reports the leases lost to a takeover, a cancel and a clear", async (store, registry) => {
      const taken = await running(registry, uniqueId("reg-lost-taken"), SHORT_LEASE_MS);
      await claimAfterExpiry(registry, taken.executionId, "worker-b");
      const cancelled = await running(registry, uniqueId("reg-lost-cancelled"));
      await registry.cancel(cancelled.executionId);
      const cleared = await running(registry, uniqueId("reg-lost-cleared"));
      await store.clear(cleared.executionId);
      const held = await running(registry, uniqueId("reg-held"));
      const result = await registry.renew([taken, cancelled, held, cleared], 60_000);
      expectEqual(
        [...result.lost].sort(),
        [taken.executionId, cancelled.executionId, cleared.executionId].sort(),
        "renew reports exactly the lost leases",
      );
    });

    tests.test("an empty list renews nothing and answers the expiry", async (_store, registry) => {
      const before = Date.now();
      const result = await registry.renew([], 30_000);
      expectEqual(result?.lost, [], "renew([]) loses nothing");
      expectAbout(result.expiresAt, before, Date.now(), 30_000, "renew([])'s expiresAt");
    });
  });

  tests.ctx.suite("release", () => {
    const outcomes: ReleaseOutcome[] = [
      { status: "done", error: "ignored unless failed" },
      { status: "paused" },
      { status: "failed", error: "the tool timed out" },
      { status: "cancelled" },
      { status: "queued" },
    ];
    for (const outcome of outcomes) {
      tests.test(`to ${outcome.status}: sets the status, drops the lease`, async (_store, registry) => {
        const lease = await running(registry, uniqueId(`reg-release-${outcome.status}`));
        const before = Date.now();
        const record = await registry.release(lease, outcome);
        const expected = {
          status: outcome.status,
          owner: undefined,
          leaseExpiresAt: undefined,
          error: outcome.status === "failed" ? outcome.error : undefined,
        };
        expectEqual(leaseFields(record), expected, `release to ${outcome.status} (error only when failed)`);
        expectTrue(record.attempts === 1, `release keeps attempts, got ${record.attempts}`);
        expectAbout(record.updatedAt, before, Date.now(), 0, "updatedAt after release");
        expectEqual(await registry.get(lease.executionId), record, "get returns the released record");
        await expectRejects(registry.release(lease, outcome), LEASE_LOST, "a second release of the same lease");
        if (outcome.status === "queued") {
          const again = await claimed(registry, lease.executionId, "worker-b");
          expectTrue(again.record.attempts === 2, "an execution released to queued is claimed again");
        }
      });
    }

    tests.test("after a takeover rejects with LeaseLostError and changes nothing", async (_store, registry) => {
      const first = await running(registry, uniqueId("reg-release-lost"), SHORT_LEASE_MS);
      const second = await claimAfterExpiry(registry, first.executionId, "worker-b");
      await expectRejects(registry.release(first, { status: "done" }), LEASE_LOST, "release by the worker that lost");
      expectEqual(await registry.get(first.executionId), second.record, "the record stays the new claimer's");
    });
  });

  tests.ctx.suite("cancel", () => {
    tests.test("queued, running and paused executions become cancelled, without a lease", async (_store, registry) => {
      const queued = (await enqueued(registry, uniqueId("reg-cancel-q"))).executionId;
      const paused = await running(registry, uniqueId("reg-cancel-p"));
      await registry.release(paused, { status: "paused" });
      const lease = await running(registry, uniqueId("reg-cancel-r"));
      for (const executionId of [queued, paused.executionId, lease.executionId]) {
        const record = await registry.cancel(executionId);
        expectEqual(
          leaseFields(record),
          { status: "cancelled", owner: undefined, leaseExpiresAt: undefined, error: undefined },
          "a cancelled record has no owner nor lease",
        );
        expectEqual(await registry.get(executionId), record, "get returns the cancelled record");
      }
      expectEqual((await registry.renew([lease], 60_000)).lost, [lease.executionId], "the cancelled lease is lost");
      await expectRejects(registry.release(lease, { status: "done" }), LEASE_LOST, "release after cancel");
      expectEqual(await registry.claim(claimOf("w")), [], "a cancelled execution is not claimed");
    });

    tests.test("an ended execution is returned unchanged; an unknown one is undefined", async (_store, registry) => {
      for (const status of ["done", "failed", "cancelled"] as const) {
        const lease = await running(registry, uniqueId(`reg-ended-${status}`));
        const ended = await registry.release(lease, { status, error: "e" });
        expectEqual(await registry.cancel(lease.executionId), ended, `cancel of a ${status} execution changes nothing`);
        expectEqual(await registry.get(lease.executionId), ended, `the ${status} record stays as it was`);
      }
      expectTrue((await registry.cancel(uniqueId("reg-unknown"))) === undefined, "cancel of no record is undefined");
    });
  });
}
