/**
 * The SQLite store's execution registry (`SqliteCheckpointStore.registry`).
 *
 * @packageDocumentation
 */
import {
  InvalidArgumentError,
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
} from "@lg/core";
import {
  assertNonEmptyString,
  isStorableId,
  validateClaimRequest,
  validateEnqueueRequest,
  validateLeaseFence,
  validateLeaseMs,
  validateListRecordsOptions,
  validateReleaseOutcome,
  zeroCounts,
} from "@lg/core/store";
import type { FileWatch } from "./file-watch.js";
import type { RegistryOps } from "./registry-ops.js";

const DEFAULT_PAGE_SIZE = 100;

/** Runs a driver call with the store's lock waits and error mapping. */
export type RunCall = <T>(call: () => T) => Promise<T>;

/**
 * The {@link ExecutionRegistry} of a `SqliteCheckpointStore`: the records live in `<table>_executions`, in the
 * store's file and on its connection. Every decision is a `BEGIN IMMEDIATE` transaction, so the processes of one host
 * sharing the file take turns on it: each claimable execution goes to exactly one claimer. Times are `Date.now()` of
 * the process deciding (the processes share the host's clock). SQLite cannot tell other processes that something
 * changed, so there is no `subscribe`: workers poll.
 */
export class SqliteExecutionRegistry implements ExecutionRegistry {
  /**
   * Created by the store (use `store.registry`) with its operations (rejecting as the store's methods do once it is
   * closed), the way it runs driver calls, and the watch of its file, checked after every write.
   */
  constructor(
    private readonly ops: () => Promise<RegistryOps>,
    private readonly run: RunCall,
    private readonly fileWatch: FileWatch | undefined,
  ) {}

  /** {@inheritDoc ExecutionRegistry.enqueue} */
  async enqueue(request: EnqueueRequest): Promise<EnqueueResult> {
    const ops = await this.ops();
    validateEnqueueRequest(request);
    return this.write(() => ops.enqueue.immediate(request));
  }

  /** {@inheritDoc ExecutionRegistry.claim} */
  async claim(request: ClaimRequest): Promise<Lease[]> {
    const ops = await this.ops();
    validateClaimRequest(request);
    if (request.graphs.length === 0) return [];
    return this.write(() => ops.claim.immediate(request));
  }

  /** {@inheritDoc ExecutionRegistry.renew} One transaction renews them all. */
  async renew(leases: readonly LeaseFence[], leaseMs: number): Promise<RenewResult> {
    const ops = await this.ops();
    if (!Array.isArray(leases)) throw new InvalidArgumentError("leases must be an array of { executionId, token }");
    for (const lease of leases) validateLeaseFence(lease);
    validateLeaseMs(leaseMs);
    if (leases.length === 0) return { lost: [], expiresAt: new Date(Date.now() + leaseMs) };
    return this.write(() => ops.renew.immediate(leases, leaseMs));
  }

  /** {@inheritDoc ExecutionRegistry.release} */
  async release(lease: LeaseFence, outcome: ReleaseOutcome): Promise<ExecutionRecord> {
    const ops = await this.ops();
    validateLeaseFence(lease);
    validateReleaseOutcome(outcome);
    return this.write(() => ops.release.immediate(lease, outcome));
  }

  /** {@inheritDoc ExecutionRegistry.cancel} */
  async cancel(executionId: string): Promise<ExecutionRecord | undefined> {
    const ops = await this.ops();
    if (!storable(executionId)) return undefined;
    return this.write(() => ops.cancel.immediate(executionId));
  }

  /** {@inheritDoc ExecutionRegistry.get} */
  async get(executionId: string): Promise<ExecutionRecord | undefined> {
    const ops = await this.ops();
    if (!storable(executionId)) return undefined;
    return this.run(() => ops.get(executionId));
  }

  /** {@inheritDoc ExecutionRegistry.list} Keyset paging over the primary key, as `listExecutions` pages. */
  async list(options?: ListRecordsOptions): Promise<ExecutionRecordPage> {
    const ops = await this.ops();
    const statuses = validateListRecordsOptions(options);
    const limit = options?.limit ?? DEFAULT_PAGE_SIZE;
    // Execution ids are non-empty, so "" precedes them all. One extra record tells whether another page exists.
    const rows = await this.run(() => ops.list(options?.cursor ?? "", statuses, limit + 1));
    const records = rows.slice(0, limit);
    const last = records[records.length - 1];
    if (rows.length > limit && last !== undefined) return { records, nextCursor: last.executionId };
    return { records };
  }

  /** {@inheritDoc ExecutionRegistry.counts} */
  async counts(): Promise<Record<ExecutionStatus, number>> {
    const ops = await this.ops();
    const rows = await this.run(() => ops.counts());
    const counts = zeroCounts();
    for (const { status, count } of rows) counts[status] = count;
    return counts;
  }

  private async write<T>(call: () => T): Promise<T> {
    const result = await this.run(call);
    this.fileWatch?.assertInPlace();
    return result;
  }
}

/**
 * Checks an execution id argument; an id no store can keep (a lone UTF-16 surrogate) has no record, and looking it
 * up would find the record of the id SQLite's UTF-8 conversion turns it into.
 */
function storable(executionId: string): boolean {
  assertNonEmptyString("executionId", executionId);
  return isStorableId(executionId);
}
