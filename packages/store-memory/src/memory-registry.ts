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
} from "@lg/core/store";
import { recordOf, type RegistryEntry } from "./registry-entry.js";
import { servedKey, type RegistryTable } from "./registry-table.js";

/** Page size of `list` when the caller gives no `limit`, as `listExecutions`. */
const DEFAULT_RECORD_PAGE_SIZE = 100;

/**
 * The execution registry of a `MemoryCheckpointStore` (`store.registry`): records kept in the process, served to
 * the workers of this process.
 *
 * Every method decides without yielding to the event loop between its reads and its writes, so each call is atomic
 * as the contract asks: of any number of concurrent claims, each execution goes to exactly one. Times are the
 * process's `Date.now()`. Records are copied in and out. Only executions that can be claimed (queued or running)
 * are looked at by `claim`, so ended ones cost it nothing.
 */
export class MemoryExecutionRegistry implements ExecutionRegistry {
  /** @internal Made by the store, over its table; `assertOpen` throws `StoreClosedError` once it is closed. */
  constructor(
    private readonly table: RegistryTable,
    private readonly assertOpen: () => void,
  ) {}

  /** Records a submission: `created`, `existing` (same key) or `requeued`; busy while queued or running. */
  async enqueue(request: EnqueueRequest): Promise<EnqueueResult> {
    this.assertOpen();
    validateEnqueueRequest(request);
    const now = Date.now();
    const entry = this.table.get(request.executionId);
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
      this.table.insert(created);
      return { record: recordOf(created), outcome: "created" };
    }
    if (entry.inputKey === request.inputKey) return { record: recordOf(entry), outcome: "existing" };
    if (entry.status === "queued" || entry.status === "running")
      throw new ExecutionBusyError(entry.executionId, entry.status);
    // The graph name and version stay those the execution started on: its checkpoints were written by that graph.
    entry.input = request.input;
    entry.inputKey = request.inputKey;
    entry.error = undefined;
    this.table.moveTo(entry, "queued", now);
    return { record: recordOf(entry), outcome: "requeued" };
  }

  /** Leases up to `limit` claimable executions of the served graph versions, oldest first. */
  async claim(request: ClaimRequest): Promise<Lease[]> {
    this.assertOpen();
    validateClaimRequest(request);
    const now = Date.now();
    const served = new Set(request.graphs.map((graph) => servedKey(graph.name, graph.version)));
    return this.table
      .claimable(now, served)
      .slice(0, request.limit)
      .map((entry) => {
        const token = mintLeaseToken();
        entry.owner = request.owner;
        entry.token = token;
        entry.attempts++;
        this.table.moveTo(entry, "running", now, now + request.leaseMs);
        return { executionId: entry.executionId, token, record: recordOf(entry) };
      });
  }

  /** Extends the leases still held to `leaseMs` from now; the others are reported as lost. */
  async renew(leases: readonly LeaseFence[], leaseMs: number): Promise<RenewResult> {
    this.assertOpen();
    validateLeaseMs(leaseMs);
    if (!Array.isArray(leases)) throw new InvalidArgumentError("leases must be an array of { executionId, token }");
    for (const fence of leases) validateLeaseFence(fence);
    const expiresAt = Date.now() + leaseMs;
    const lost: string[] = [];
    for (const fence of leases) {
      const entry = this.table.held(fence);
      if (entry === undefined) {
        lost.push(fence.executionId);
        continue;
      }
      entry.leaseExpiresAt = expiresAt;
      this.table.touch(entry);
    }
    return { lost, expiresAt: new Date(expiresAt) };
  }

  /** Hands a leased execution back with its outcome; `LeaseLostError` when the lease is no longer held. */
  async release(lease: LeaseFence, outcome: ReleaseOutcome): Promise<ExecutionRecord> {
    this.assertOpen();
    validateLeaseFence(lease);
    validateReleaseOutcome(outcome);
    const entry = this.table.held(lease);
    if (entry === undefined) throw new LeaseLostError(lease.executionId);
    entry.error = outcome.status === "failed" ? outcome.error : undefined;
    dropLease(entry);
    this.table.moveTo(entry, outcome.status, Date.now());
    return recordOf(entry);
  }

  /** Cancels an execution that has not ended, removing its lease; an ended one is returned unchanged. */
  async cancel(executionId: string): Promise<ExecutionRecord | undefined> {
    this.assertOpen();
    const entry = this.find(executionId);
    if (entry === undefined) return undefined;
    if (entry.status === "queued" || entry.status === "running" || entry.status === "paused") {
      dropLease(entry);
      this.table.moveTo(entry, "cancelled", Date.now());
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
      const { values, hasMore } = this.table.idsAfter(cursor, limit + 1);
      for (const id of values) {
        const entry = this.table.get(id);
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
    return this.table.counts();
  }

  /**
   * Calls `listener` after every status change made in this registry (in a task of its own: a listener that throws
   * affects nothing), until the returned function is called or the store is closed.
   */
  async subscribe(listener: (change: StatusChange) => void): Promise<() => Promise<void>> {
    this.assertOpen();
    if (typeof listener !== "function") throw new InvalidArgumentError("listener must be a function");
    const unsubscribe = this.table.subscribe(listener);
    return async () => unsubscribe();
  }

  /** The entry of `executionId`; an id no store could hold finds nothing. */
  private find(executionId: string): RegistryEntry | undefined {
    assertNonEmptyString("executionId", executionId);
    return isStorableId(executionId) ? this.table.get(executionId) : undefined;
  }
}

function dropLease(entry: RegistryEntry): void {
  entry.owner = undefined;
  entry.token = undefined;
  entry.leaseExpiresAt = undefined;
}
