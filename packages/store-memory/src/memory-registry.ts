import {
  ExecutionBusyError,
  InvalidArgumentError,
  LeaseLostError,
  type ClaimRequest,
  type EnqueueRequest,
  type EnqueueResult,
  type ExecutionRecord,
  type ExecutionRecordPage,
  type ExecutionRegistry,
  type ExecutionStatus,
  type Lease,
  type LeaseFence,
  type ListRecordsOptions,
  type ReleaseOutcome,
  type RenewResult,
  type StatusChange,
} from "@lg/core";
import {
  assertNonEmptyString,
  isStorableId,
  mintLeaseToken,
  validateClaimRequest,
  validateEnqueueRequest,
  validateLeaseFence,
  validateLeaseMs,
  validateListRecordsOptions,
  validateReleaseOutcome,
  zeroCounts,
} from "@lg/core/store";
import { claimableSince, isClaimable, recordOf, type RegistryEntry } from "./registry-entry.js";
import { SortedStringList } from "./sorted-string-list.js";

/** Page size of `list` when the caller gives no `limit`, as `listExecutions`. */
const DEFAULT_RECORD_PAGE_SIZE = 100;

type Listener = (change: StatusChange) => void;

/**
 * The execution registry of a {@link MemoryCheckpointStore}: records in a map, served to the workers of this process.
 *
 * Every method decides without yielding to the event loop between its reads and its writes, so each call is atomic
 * as the contract asks: of any number of concurrent claims, each execution goes to exactly one. Times are the
 * process's `Date.now()`. Records are copied in and out. Only executions that can be claimed (queued or running)
 * are scanned by `claim`, so ended ones cost it nothing.
 */
export class MemoryExecutionRegistry implements ExecutionRegistry {
  private readonly entries = new Map<string, RegistryEntry>();
  /** Ids of the queued and running entries: the only ones a claim looks at. */
  private readonly active = new Set<string>();
  private readonly ids = new SortedStringList();
  private readonly tally = zeroCounts();
  private readonly listeners = new Set<Listener>();
  private sequence = 0;

  /** Creates the registry; `assertOpen` throws `StoreClosedError` once the store is closed. */
  constructor(private readonly assertOpen: () => void) {}

  /** Records a submission: `created`, `existing` (same key) or `requeued`; busy while queued or running. */
  async enqueue(request: EnqueueRequest): Promise<EnqueueResult> {
    this.assertOpen();
    validateEnqueueRequest(request);
    const now = Date.now();
    const entry = this.entries.get(request.executionId);
    if (entry === undefined) {
      const created: RegistryEntry = {
        executionId: request.executionId,
        status: "queued",
        graphName: request.graphName,
        graphVersion: request.graphVersion,
        owner: undefined,
        token: undefined,
        leaseExpiresAt: undefined,
        attempts: 0,
        input: request.input,
        inputKey: request.inputKey,
        error: undefined,
        createdAt: now,
        updatedAt: now,
        sequence: 0,
      };
      this.entries.set(created.executionId, created);
      this.ids.add(created.executionId);
      this.tally.queued++; // counted here, so that moveTo's move from queued to queued keeps the count
      this.moveTo(created, "queued", now);
      return { record: recordOf(created), outcome: "created" };
    }
    if (entry.inputKey === request.inputKey) return { record: recordOf(entry), outcome: "existing" };
    if (entry.status === "queued" || entry.status === "running")
      throw new ExecutionBusyError(entry.executionId, entry.status);
    // The graph name and version stay those the execution started on: its checkpoints were written by that graph.
    entry.input = request.input;
    entry.inputKey = request.inputKey;
    entry.error = undefined;
    this.moveTo(entry, "queued", now);
    return { record: recordOf(entry), outcome: "requeued" };
  }

  /** Leases up to `limit` claimable executions of the served graph versions, oldest first. */
  async claim(request: ClaimRequest): Promise<Lease[]> {
    this.assertOpen();
    validateClaimRequest(request);
    const now = Date.now();
    const served = new Set(request.graphs.map((graph) => servedKey(graph.name, graph.version)));
    const candidates: RegistryEntry[] = [];
    for (const id of this.active) {
      const entry = this.entries.get(id);
      if (entry === undefined || !isClaimable(entry, now)) continue;
      if (served.has(servedKey(entry.graphName, entry.graphVersion))) candidates.push(entry);
    }
    candidates.sort((a, b) => claimableSince(a) - claimableSince(b) || a.sequence - b.sequence);
    return candidates.slice(0, request.limit).map((entry) => {
      const token = mintLeaseToken();
      entry.owner = request.owner;
      entry.token = token;
      entry.attempts++;
      this.moveTo(entry, "running", now, now + request.leaseMs);
      return { executionId: entry.executionId, token, record: recordOf(entry) };
    });
  }

  /** Extends the leases still held to `leaseMs` from now; the others are reported as lost. */
  async renew(leases: readonly LeaseFence[], leaseMs: number): Promise<RenewResult> {
    this.assertOpen();
    validateLeaseMs(leaseMs);
    if (!Array.isArray(leases)) throw new InvalidArgumentError("leases must be an array of { executionId, token }");
    for (const fence of leases) validateLeaseFence(fence);
    const now = Date.now();
    const expiresAt = now + leaseMs;
    const lost: string[] = [];
    for (const fence of leases) {
      const entry = this.held(fence);
      if (entry === undefined) lost.push(fence.executionId);
      else {
        entry.leaseExpiresAt = expiresAt;
        entry.sequence = ++this.sequence;
      }
    }
    return { lost, expiresAt: new Date(expiresAt) };
  }

  /** Hands a leased execution back with its outcome; `LeaseLostError` when the lease is no longer held. */
  async release(lease: LeaseFence, outcome: ReleaseOutcome): Promise<ExecutionRecord> {
    this.assertOpen();
    validateLeaseFence(lease);
    validateReleaseOutcome(outcome);
    const entry = this.held(lease);
    if (entry === undefined) throw new LeaseLostError(lease.executionId);
    entry.error = outcome.status === "failed" ? outcome.error : undefined;
    dropLease(entry);
    this.moveTo(entry, outcome.status, Date.now());
    return recordOf(entry);
  }

  /** Cancels an execution that has not ended, removing its lease; an ended one is returned unchanged. */
  async cancel(executionId: string): Promise<ExecutionRecord | undefined> {
    this.assertOpen();
    const entry = this.find(executionId);
    if (entry === undefined) return undefined;
    if (entry.status === "queued" || entry.status === "running" || entry.status === "paused") {
      dropLease(entry);
      this.moveTo(entry, "cancelled", Date.now());
    }
    return recordOf(entry);
  }

  /** A copy of the execution's record, or `undefined`. */
  async get(executionId: string): Promise<ExecutionRecord | undefined> {
    this.assertOpen();
    const entry = this.find(executionId);
    return entry === undefined ? undefined : recordOf(entry);
  }

  /** A page of records in code point order of execution id, optionally of some statuses only. */
  async list(options?: ListRecordsOptions): Promise<ExecutionRecordPage> {
    this.assertOpen();
    const statuses = validateListRecordsOptions(options);
    const wanted = statuses === undefined ? undefined : new Set(statuses);
    const limit = options?.limit ?? DEFAULT_RECORD_PAGE_SIZE;
    const records: ExecutionRecord[] = [];
    let cursor = options?.cursor;
    // Ids are read in pages, in order, until one more record than `limit` matches (which only tells that a next page
    // exists) or the ids run out: a filter that matches few records walks the ids once, and nothing is sorted.
    for (;;) {
      const { values, hasMore } = this.ids.pageAfter(cursor, limit + 1);
      for (const id of values) {
        const entry = this.entries.get(id);
        if (entry === undefined || (wanted !== undefined && !wanted.has(entry.status))) continue;
        const last = records[records.length - 1];
        if (records.length === limit && last !== undefined) return { records, nextCursor: last.executionId };
        records.push(recordOf(entry));
      }
      if (!hasMore) return { records };
      cursor = values[values.length - 1];
    }
  }

  /** How many records have each status. */
  async counts(): Promise<Record<ExecutionStatus, number>> {
    this.assertOpen();
    return { ...this.tally };
  }

  /** Calls `listener` after every status change made in this registry, until the returned function is called. */
  async subscribe(listener: (change: StatusChange) => void): Promise<() => Promise<void>> {
    this.assertOpen();
    if (typeof listener !== "function") throw new InvalidArgumentError("listener must be a function");
    // A wrapper of its own, so that the same function subscribed twice is two subscriptions, ended one by one.
    const subscription: Listener = (change) => listener(change);
    this.listeners.add(subscription);
    return async () => {
      this.listeners.delete(subscription);
    };
  }

  /**
   * Throws `LeaseLostError` unless the record of `executionId` runs under `lease`'s token: the fencing of
   * `save(cp, { lease })`, called synchronously by the store before its version check.
   */
  assertHeld(lease: LeaseFence, executionId: string): void {
    validateLeaseFence(lease);
    if (this.held({ executionId, token: lease.token }) === undefined) throw new LeaseLostError(executionId);
  }

  /** Removes the execution's record (its lease with it), for the store's `clear`. */
  remove(executionId: string): void {
    const entry = this.entries.get(executionId);
    if (entry === undefined) return;
    this.tally[entry.status]--;
    this.entries.delete(executionId);
    this.active.delete(executionId);
    this.ids.remove(executionId);
  }

  /** Drops every record and ends every subscription, for the store's `close`. */
  reset(): void {
    this.entries.clear();
    this.active.clear();
    this.ids.clear();
    Object.assign(this.tally, zeroCounts());
    this.listeners.clear();
  }

  /** The entry when it is running under `fence`'s token, whether or not the lease has run out meanwhile. */
  private held(fence: LeaseFence): RegistryEntry | undefined {
    const entry = this.entries.get(fence.executionId);
    return entry !== undefined && entry.status === "running" && entry.token === fence.token ? entry : undefined;
  }

  /** The entry of `executionId`; an id no store could hold finds nothing. */
  private find(executionId: string): RegistryEntry | undefined {
    assertNonEmptyString("executionId", executionId);
    return isStorableId(executionId) ? this.entries.get(executionId) : undefined;
  }

  /** Gives `entry` its new status (counts, the claimable set, claim order) and tells the subscribers. */
  private moveTo(entry: RegistryEntry, status: ExecutionStatus, now: number, leaseExpiresAt?: number): void {
    this.tally[entry.status]--;
    this.tally[status]++;
    entry.status = status;
    entry.leaseExpiresAt = leaseExpiresAt;
    entry.updatedAt = now;
    entry.sequence = ++this.sequence;
    if (status === "queued" || status === "running") this.active.add(entry.executionId);
    else this.active.delete(entry.executionId);
    this.announce({ executionId: entry.executionId, status });
  }

  /**
   * Tells every subscriber, each in a task of its own: like a notification from a database, the call that made the
   * change neither waits for the listeners nor fails with them.
   */
  private announce(change: StatusChange): void {
    for (const listener of this.listeners) {
      setImmediate(() => {
        try {
          listener({ ...change });
        } catch {
          // A listener's failure is its own; the registry's state is already changed and stays consistent.
        }
      });
    }
  }
}

function servedKey(name: string, version: string): string {
  return JSON.stringify([name, version]);
}

function dropLease(entry: RegistryEntry): void {
  entry.owner = undefined;
  entry.token = undefined;
  entry.leaseExpiresAt = undefined;
}
