/**
 * The execution registry: the contract a durable store keeps beside `CheckpointStore` so that any number of worker
 * processes can share its executions (see docs/workers.md). `@lg/store-testkit`'s registry spec checks every
 * guarantee written here.
 *
 * @packageDocumentation
 */

/**
 * Where an execution stands in the registry:
 * - `queued`: submitted (or handed back), waiting for a worker;
 * - `running`: a worker holds its lease (or held it: a lease past its expiry is claimed again by any worker);
 * - `paused`: waiting for a human (`interrupt`, `interruptBefore`/`After`); a new submission continues it;
 * - `done`, `failed`, `cancelled`: ended; a new submission with another key starts its next turn.
 */
export type ExecutionStatus = "queued" | "running" | "paused" | "done" | "failed" | "cancelled";

/** Every {@link ExecutionStatus}, in lifecycle order. */
export const EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  "queued",
  "running",
  "paused",
  "done",
  "failed",
  "cancelled",
];

/** One execution as the registry keeps it. */
export interface ExecutionRecord {
  /** The execution (thread) id, as `Checkpoint.executionId`. */
  executionId: string;
  /** Where it stands. */
  status: ExecutionStatus;
  /** The name of the graph that runs it (the key of `createWorker({ graphs })`). */
  graphName: string;
  /** The version of that graph it started on; only a worker serving this version claims it. */
  graphVersion: string;
  /** The worker holding (or last holding) its lease, while `running`. */
  owner?: string;
  /** When the current lease ends, by the store's clock, while `running`. */
  leaseExpiresAt?: Date;
  /** How many times a worker claimed it. */
  attempts: number;
  /** The input of the newest submission, as the JSON text `serialize` (from `@lg/core`) writes. */
  input: string;
  /** The key of the newest submission: a submission with this key again is the same submission. */
  inputKey: string;
  /** The error of a `failed` run (its message); absent otherwise. */
  error?: string;
  /** When the execution was first submitted, by the store's clock. */
  createdAt: Date;
  /** When the record last changed, by the store's clock. */
  updatedAt: Date;
}

/** What `enqueue` is asked to record. */
export interface EnqueueRequest {
  /** The execution to start or continue. */
  executionId: string;
  /** The graph that runs it; kept from the first submission on a later one. */
  graphName: string;
  /** The graph's version; kept from the first submission on a later one. */
  graphVersion: string;
  /** The input, as the JSON text `serialize` writes. */
  input: string;
  /** The submission's key: `enqueue` with a key the record already holds changes nothing. */
  inputKey: string;
}

/** What `enqueue` did. */
export interface EnqueueResult {
  /** The record after the call. */
  record: ExecutionRecord;
  /**
   * `created`: a new queued record; `requeued`: a paused or ended execution queued again with the new input;
   * `existing`: the record already held this `inputKey`, nothing changed.
   */
  outcome: "created" | "requeued" | "existing";
}

/** Which graph versions a worker runs. */
export interface ServedGraph {
  /** The graph's name. */
  name: string;
  /** The version it serves. */
  version: string;
}

/** What `claim` is asked for. */
export interface ClaimRequest {
  /** The claiming worker's id (kept as `owner`). */
  owner: string;
  /** Only executions of these graph names and versions are claimed. */
  graphs: readonly ServedGraph[];
  /** At most this many executions (at least 1). */
  limit: number;
  /** The lease's length in milliseconds, from the store's clock at the claim. */
  leaseMs: number;
}

/** The fencing token of a lease: every write made under the lease names it. */
export interface LeaseFence {
  /** The execution the lease is on. */
  executionId: string;
  /** Minted at the claim, unique; the lease is held while the record still holds it. */
  token: string;
}

/** A lease a worker holds on one execution. */
export interface Lease extends LeaseFence {
  /** The record as the claim left it (`running`, owned, `attempts` counted). */
  record: ExecutionRecord;
}

/** How a worker hands an execution back. */
export interface ReleaseOutcome {
  /** `queued` to give it to another worker (a worker that stops), or how the run ended. */
  status: Exclude<ExecutionStatus, "running">;
  /** The error of a `failed` run. */
  error?: string;
}

/** What `renew` did. */
export interface RenewResult {
  /** Executions whose lease the caller no longer holds (taken over, cancelled, cleared): stop working on them. */
  lost: string[];
  /** When the renewed leases now end, by the store's clock. */
  expiresAt: Date;
}

/** Options of `ExecutionRegistry.list`. */
export interface ListRecordsOptions {
  /** Only executions with this status (or any of these). */
  status?: ExecutionStatus | readonly ExecutionStatus[];
  /** At most this many records per page. */
  limit?: number;
  /** Continue after this cursor (`nextCursor` of the previous page). */
  cursor?: string;
}

/** One page of `ExecutionRegistry.list`. */
export interface ExecutionRecordPage {
  /** Records ordered by execution id. */
  records: ExecutionRecord[];
  /** Present when more records follow. */
  nextCursor?: string;
}

/** A change of status the registry announces to its subscribers. */
export interface StatusChange {
  /** The execution whose status changed. */
  executionId: string;
  /** Its new status. */
  status: ExecutionStatus;
}

/**
 * The registry a durable store keeps beside its checkpoints (`CheckpointStore.registry`).
 *
 * General rules:
 * - Every decision (claim, renew, release, enqueue, cancel) is made atomically by the backend (a conditional
 *   statement, a transaction, a script): of two workers claiming the same execution exactly one gets it.
 * - Times (lease expiry, created, updated) come from one clock per store (the database's), so workers on machines
 *   whose clocks differ agree on when a lease has expired.
 * - A lease is held while the record still holds its token: a claim of an expired lease mints a new token, and
 *   `release`, `cancel` and `CheckpointStore.clear` remove it. The store's `save(cp, { lease })` commits only while
 *   the record of `lease.executionId` (the checkpoint's execution, or the parent a subgraph runs under) holds
 *   `lease.token`, atomically with the version check, and rejects with `LeaseLostError` otherwise.
 * - Connection failures reject with `StoreUnavailableError`.
 */
export interface ExecutionRegistry {
  /**
   * Records a submission. Without a record: a `queued` one (`created`). With a record holding `inputKey`: nothing
   * changes (`existing`), so a retried submission is harmless. With a `paused`, `done`, `failed` or `cancelled` record:
   * queued again with the new input and key (`requeued`); its graph name and version stay those it started on.
   * A `queued` or `running` record with another key rejects with `ExecutionBusyError`.
   */
  enqueue(request: EnqueueRequest): Promise<EnqueueResult>;

  /**
   * Claims up to `limit` executions of the served graph versions that are `running` with a lease that has expired
   * (first, by expiry: they were started, and their recovery must not wait behind the queue) or `queued` (then,
   * oldest first): each becomes `running`, owned by `owner`, with a new token, a lease of `leaseMs` and `attempts` one
   * more. Returns the leases taken (possibly none).
   */
  claim(request: ClaimRequest): Promise<Lease[]>;

  /** Extends the leases the caller still holds to `leaseMs` from now, in one round trip; reports the ones lost. */
  renew(leases: readonly LeaseFence[], leaseMs: number): Promise<RenewResult>;

  /** Hands an execution back with its outcome; rejects with `LeaseLostError` when the lease is no longer held. */
  release(lease: LeaseFence, outcome: ReleaseOutcome): Promise<ExecutionRecord>;

  /**
   * Cancels an execution that has not ended: it becomes `cancelled` and its lease is removed (the worker running it
   * commits nothing more). Returns the record, or `undefined` when there is none; an ended record is returned as is.
   */
  cancel(executionId: string): Promise<ExecutionRecord | undefined>;

  /** The record of one execution, or `undefined`. */
  get(executionId: string): Promise<ExecutionRecord | undefined>;

  /** Pages through the records ordered by execution id, optionally of some statuses only. */
  list(options?: ListRecordsOptions): Promise<ExecutionRecordPage>;

  /** How many records have each status. */
  counts(): Promise<Record<ExecutionStatus, number>>;

  /**
   * Optional: calls `listener` when any process changes an execution's status (LISTEN/NOTIFY, pub/sub), so workers
   * and waiters wake at once instead of at their next poll — every change but a claim's (`running`), which nobody
   * waits for and which would cost every claim's commit. Resolves with a function that stops the calls. A store
   * without it is polled.
   */
  subscribe?(listener: (change: StatusChange) => void): Promise<() => Promise<void>>;
}
