import {
  ExecutionBusyError,
  InvalidArgumentError,
  LeaseLostError,
  type ClaimRequest,
  type EnqueueRequest,
  type ExecutionRecord,
  type ExecutionRegistry,
  type Lease,
  type ServedGraph,
} from "@lg/core";
import { uniqueId } from "../fixtures.js";
import { expectTrue, fail } from "./expect.js";

/** The graph version the spec's executions run on. */
export const GRAPH: ServedGraph = { name: "spec-graph", version: "v1" };

/** A lease no test outlives: what must NOT be claimed again is leased this long. */
export const LONG_LEASE_MS = 60_000;

/** A lease that runs out soon: what must be claimed again after expiry is leased this long. */
export const SHORT_LEASE_MS = 300;

/** How long the spec waits for something that must happen (a lease to run out, a notification). */
export const WAIT_BOUND_MS = 10_000;

/**
 * How far a store's time may be from the test's: the store's clock (a database's) is another machine's at worst,
 * and a busy machine delays every call by up to seconds.
 */
export const CLOCK_SLACK_MS = 5_000;

/** What a write under a lease no longer held rejects with. */
export const LEASE_LOST = { type: LeaseLostError, code: "LG_LEASE_LOST" } as const;
/** What a submission with another key to a queued or running execution rejects with. */
export const BUSY = { type: ExecutionBusyError, code: "LG_EXECUTION_BUSY" } as const;
/** What a malformed argument rejects with. */
export const INVALID = { type: InvalidArgumentError, code: "LG_INVALID_ARGUMENT" } as const;

/** An enqueue request for `executionId` of {@link GRAPH}, with a fresh key. */
export function submission(executionId: string, overrides: Partial<EnqueueRequest> = {}): EnqueueRequest {
  return {
    executionId,
    graphName: GRAPH.name,
    graphVersion: GRAPH.version,
    input: JSON.stringify({ topic: "spec", at: uniqueId("input") }),
    inputKey: uniqueId("key"),
    ...overrides,
  };
}

/** A claim of {@link GRAPH} by `owner`. */
export function claimOf(owner: string, overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return { owner, graphs: [GRAPH], limit: 10, leaseMs: LONG_LEASE_MS, ...overrides };
}

/** Enqueues `executionId` (which must be new) and returns its record. */
export async function enqueued(
  registry: ExecutionRegistry,
  executionId: string,
  overrides: Partial<EnqueueRequest> = {},
): Promise<ExecutionRecord> {
  const result = await registry.enqueue(submission(executionId, overrides));
  expectTrue(result?.outcome === "created", `enqueue of a new execution must be "created", got ${result?.outcome}`);
  return result.record;
}

/** Claims exactly `executionId` (the only claimable execution of the store) and returns the lease. */
export async function claimed(
  registry: ExecutionRegistry,
  executionId: string,
  owner = uniqueId("worker"),
  leaseMs = LONG_LEASE_MS,
): Promise<Lease> {
  const leases = await registry.claim(claimOf(owner, { leaseMs }));
  const lease = leases.find((l) => l.executionId === executionId);
  if (lease === undefined)
    fail(`claim must lease the queued execution ${JSON.stringify(executionId)}, got ${describeLeases(leases)}`);
  return lease;
}

/** Enqueues and claims a new execution. */
export async function running(
  registry: ExecutionRegistry,
  executionId: string,
  leaseMs = LONG_LEASE_MS,
  owner = uniqueId("worker"),
): Promise<Lease> {
  await enqueued(registry, executionId);
  return claimed(registry, executionId, owner, leaseMs);
}

/**
 * Claims `executionId` for `owner` once its lease has run out: claims every 50 ms, up to {@link WAIT_BOUND_MS}.
 */
export async function claimAfterExpiry(
  registry: ExecutionRegistry,
  executionId: string,
  owner: string,
): Promise<Lease> {
  const deadline = Date.now() + WAIT_BOUND_MS;
  for (;;) {
    const leases = await registry.claim(claimOf(owner));
    const lease = leases.find((l) => l.executionId === executionId);
    if (lease !== undefined) return lease;
    if (Date.now() > deadline)
      fail(
        `a running execution whose lease of ${SHORT_LEASE_MS} ms ran out must be claimed again; ` +
          `claims for ${WAIT_BOUND_MS} ms did not get it`,
      );
    await sleep(50);
  }
}

/** Waits until `condition()` holds, checking every 25 ms up to {@link WAIT_BOUND_MS}; fails with `what` otherwise. */
export async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_BOUND_MS;
  while (!condition()) {
    if (Date.now() > deadline) fail(`${what} (waited ${WAIT_BOUND_MS} ms)`);
    await sleep(25);
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Fails unless `at` is a Date within {@link CLOCK_SLACK_MS} of the test's window `[from, to]` shifted by `offsetMs`. */
export function expectAbout(at: Date | undefined, from: number, to: number, offsetMs: number, what: string): void {
  expectTrue(at instanceof Date && !Number.isNaN(at.getTime()), `${what} must be a valid Date, got ${String(at)}`);
  const low = from + offsetMs - CLOCK_SLACK_MS;
  const high = to + offsetMs + CLOCK_SLACK_MS;
  expectTrue(
    at.getTime() >= low && at.getTime() <= high,
    `${what} must be about ${offsetMs} ms after the call (between ${new Date(low).toISOString()} and ` +
      `${new Date(high).toISOString()}), got ${at.toISOString()}`,
  );
}

/** The execution ids of `leases`, for failure messages. */
export function describeLeases(leases: readonly Lease[] | undefined): string {
  if (!Array.isArray(leases)) return String(leases);
  return `[${leases.map((l) => JSON.stringify(l.executionId)).join(", ")}]`;
}

/** Reads the record of `executionId`, which must exist. */
export async function recordOf(registry: ExecutionRegistry, executionId: string): Promise<ExecutionRecord> {
  const record = await registry.get(executionId);
  if (record === undefined) fail(`get(${JSON.stringify(executionId)}) must find the execution's record`);
  return record;
}
