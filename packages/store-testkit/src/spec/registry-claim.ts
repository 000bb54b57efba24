import type { CheckpointStore, ExecutionRegistry, Lease } from "@lg/core";
import { uniqueId } from "../fixtures.js";
import { expectEqual, expectTrue } from "./expect.js";
import {
  claimAfterExpiry,
  claimOf,
  describeLeases,
  enqueued,
  expectAbout,
  GRAPH,
  recordOf,
  running,
  SHORT_LEASE_MS,
  sleep,
  submission,
} from "./registry-fixtures.js";
import type { RegistryTests } from "./registry-support.js";

/** Every execution in `ids` must appear in `leases` at most once, and in no other lease list. */
function expectDisjoint(rounds: readonly (readonly Lease[])[], what: string): string[] {
  const seen = new Set<string>();
  for (const leases of rounds) {
    expectTrue(Array.isArray(leases), `claim must resolve with an array of leases, got ${String(leases)}`);
    for (const lease of leases) {
      expectTrue(
        !seen.has(lease.executionId),
        `${what}: execution ${JSON.stringify(lease.executionId)} was leased twice`,
      );
      seen.add(lease.executionId);
    }
  }
  return [...seen];
}

/** Claims what is left, one call after another, and checks every execution of `ids` went to exactly one claim. */
async function expectEachOnce(
  registry: ExecutionRegistry,
  ids: readonly string[],
  rounds: (readonly Lease[])[],
  what: string,
): Promise<void> {
  // A claim racing others may come back empty while they hold the rows; what they left is claimed now.
  for (let i = 0; i < ids.length; i++) {
    const rest = await registry.claim(claimOf(uniqueId("drain")));
    if (rest.length === 0) break;
    rounds.push(rest);
  }
  const got = expectDisjoint(rounds, what).sort();
  expectEqual(got, [...ids].sort(), `${what}: every queued execution is leased exactly once`);
}

/**
 * `claim`: a queued execution becomes running with an owner, a new token, a lease of `leaseMs` and attempts + 1;
 * only served graph versions are claimed, `graphs: []` claims nothing, `limit` is kept, the oldest first; an
 * expired lease is claimed again with a new token (before any queued execution), a live one is not; concurrent claims (also from a second store
 * instance) never share an execution.
 */
export function registryClaimSpec<S extends CheckpointStore>(tests: RegistryTests<S>): void {
  tests.ctx.suite("claim", () => {
    tests.test("a queued execution becomes running: owner, token, lease, attempts + 1", async (_store, registry) => {
      const executionId = uniqueId("reg-claim");
      const queued = await enqueued(registry, executionId);
      const before = Date.now();
      const leases = await registry.claim(claimOf("worker-a", { leaseMs: 45_000 }));
      const after = Date.now();
      expectTrue(leases.length === 1, `claim must lease the one queued execution, got ${describeLeases(leases)}`);
      const lease = leases[0] as Lease;
      expectTrue(lease.executionId === executionId, "the lease names the execution");
      expectTrue(typeof lease.token === "string" && lease.token.length > 0, "the lease carries a non-empty token");
      const record = lease.record;
      expectEqual(
        { status: record.status, owner: record.owner, attempts: record.attempts, input: record.input },
        { status: "running", owner: "worker-a", attempts: 1, input: queued.input },
        "the claimed record is running, owned by the claimer, attempts 1, input kept",
      );
      expectAbout(record.leaseExpiresAt, before, after, 45_000, "leaseExpiresAt");
      expectAbout(record.updatedAt, before, after, 0, "updatedAt after the claim");
      expectTrue(!("token" in record), "the token is never part of a record");
      expectEqual(await registry.get(executionId), record, "get returns the record the claim returned");
    });

    tests.test("only served graph versions are claimed; graphs [] claims nothing", async (_store, registry) => {
      const v1 = uniqueId("reg-v1");
      const v2 = uniqueId("reg-v2");
      const other = uniqueId("reg-other");
      await enqueued(registry, v1);
      await enqueued(registry, v2, { graphVersion: "v2" });
      await enqueued(registry, other, { graphName: "other-graph" });
      expectEqual(await registry.claim(claimOf("w", { graphs: [] })), [], "claim with graphs [] leases nothing");
      const leases = await registry.claim(claimOf("w", { graphs: [{ name: GRAPH.name, version: "v2" }] }));
      expectEqual(
        leases.map((l) => l.executionId),
        [v2],
        "a worker serving v2 claims only the v2 execution",
      );
      expectTrue((await recordOf(registry, v1)).status === "queued", "the v1 execution stays queued");
      expectTrue((await recordOf(registry, other)).status === "queued", "another graph's execution stays queued");
    });

    tests.test("claims at most limit executions, the oldest first", async (_store, registry) => {
      // Ids in the reverse of their submission order, so that id order cannot pass for age.
      const ids = ["reg-c", "reg-b", "reg-a"].map((prefix) => uniqueId(prefix));
      for (const id of ids) {
        await enqueued(registry, id);
        await sleep(20); // distinct milliseconds, so the age order is the store's to keep, not a tie
      }
      const first = await registry.claim(claimOf("w", { limit: 2 }));
      expectEqual(
        first.map((l) => l.executionId),
        ids.slice(0, 2),
        "claim({ limit: 2 }) leases the two oldest",
      );
      const second = await registry.claim(claimOf("w", { limit: 2 }));
      expectEqual(
        second.map((l) => l.executionId),
        ids.slice(2),
        "the next claim leases the one left",
      );
    });

    tests.test("an expired lease is claimed again with a new token, attempts + 1", async (_store, registry) => {
      const executionId = uniqueId("reg-expired");
      const first = await running(registry, executionId, SHORT_LEASE_MS, "worker-a");
      const second = await claimAfterExpiry(registry, executionId, "worker-b");
      expectTrue(second.token !== first.token, "a claim after expiry mints a new token");
      expectEqual(
        { status: second.record.status, owner: second.record.owner, attempts: second.record.attempts },
        { status: "running", owner: "worker-b", attempts: 2 },
        "the execution is running again, owned by the new claimer, attempts 2",
      );
    });

    tests.test("an expired lease is claimed before queued executions, even older ones", async (_store, registry) => {
      const started = uniqueId("reg-started");
      const waiting = uniqueId("reg-waiting");
      await running(registry, started, SHORT_LEASE_MS);
      await enqueued(registry, waiting); // queued before the lease runs out: claimable for longer than the lease
      await sleep(SHORT_LEASE_MS + 1_000); // past the expiry by the store's clock too, with a second of slack
      const [first] = await registry.claim(claimOf("worker-b", { limit: 1 }));
      expectEqual(
        first?.executionId,
        started,
        "a started execution whose lease expired is claimed first: its recovery does not wait behind the queue",
      );
      const [second] = await registry.claim(claimOf("worker-b", { limit: 1 }));
      expectEqual(second?.executionId, waiting, "then the queued one");
    });

    tests.test("a live lease is not claimed", async (_store, registry) => {
      const executionId = uniqueId("reg-live");
      const lease = await running(registry, executionId);
      expectEqual(await registry.claim(claimOf("worker-b")), [], "an execution under a live lease is not claimed");
      expectEqual(await registry.get(executionId), lease.record, "the record stays the first claim's");
    });

    tests.test("20 concurrent claims of 5 executions lease each to exactly one", async (_store, registry) => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await enqueued(registry, uniqueId(`reg-race${i}`))).executionId);
      const rounds = await Promise.all(
        Array.from({ length: 20 }, (_, i) => registry.claim(claimOf(`worker-${i}`, { limit: 1 }))),
      );
      for (const leases of rounds)
        expectTrue(leases.length <= 1, `claim({ limit: 1 }) leased ${leases.length} executions`);
      await expectEachOnce(registry, ids, rounds, "concurrent claims");
    });

    tests.testShared(
      "two store instances claiming concurrently never share an execution",
      async (_store, registry, other) => {
        const second = other.registry as ExecutionRegistry;
        expectTrue(second !== undefined, "the store from openSameLocation has a registry too");
        const ids: string[] = [];
        for (let i = 0; i < 10; i++) {
          const executionId = uniqueId(`reg-shared${i}`);
          await (i % 2 === 0 ? registry : second).enqueue(submission(executionId));
          ids.push(executionId);
        }
        const rounds = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 === 0 ? registry : second).claim(claimOf(`worker-${i}`, { limit: 2 })),
          ),
        );
        await expectEachOnce(registry, ids, rounds, "claims from two store instances");
      },
    );
  });
}
