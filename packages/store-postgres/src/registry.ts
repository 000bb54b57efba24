import {
  ExecutionBusyError,
  InvalidArgumentError,
  LeaseLostError,
  StoreUnavailableError,
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
  isStatus,
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
import { arrayLiteral } from "./batch.js";
import type { Connection } from "./connection.js";
import type { ResolvedPostgresOptions } from "./options.js";
import { Subscriptions } from "./registry-listen.js";
import { rowToRecord } from "./registry-rows.js";
import { buildRegistryStatements, RecCol, type RegistryStatements } from "./registry-sql.js";
import { executionBound, isStorableText } from "./text.js";

const DEFAULT_PAGE = 100;
// At most this many executions per claim: each needs a token minted here and sent with the statement.
const MAX_CLAIM = 1000;
// An enqueue or cancel whose record changed under it between the statement's snapshot and its write runs again.
const DECIDE_ATTEMPTS = 5;

/** Which part of an enqueue or cancel statement a row comes from (`registry-sql.ts`). */
const Source = { Inserted: 0, Updated: 1, Found: 2 } as const;

/** What the registry needs of its store: the connection and the closed-state check. */
export interface RegistryHost {
  /** The store's connection (bounded, reconnecting statements). */
  readonly conn: Connection;
  /** Throws `StoreClosedError` once the store is closed. */
  assertOpen(): void;
}

/** An id the registry can hold: storable (`isStorableId`) and without U+0000, which PostgreSQL text refuses. */
const isRecordId = (id: string): boolean => isStorableId(id) && isStorableText(id);

/**
 * The execution registry of a {@link PostgresCheckpointStore} (`store.registry`): one row per execution in
 * `<table>_executions`, beside the checkpoints. Every call is one statement (see `registry-sql.ts`): `claim` locks its
 * candidates `FOR UPDATE SKIP LOCKED`, so concurrent claims from any number of processes never take the same
 * execution and never wait for each other; times come from the server's clock. Status changes are announced on a
 * LISTEN/NOTIFY channel (`subscribe`).
 */
export class PostgresExecutionRegistry implements ExecutionRegistry {
  /** The LISTEN/NOTIFY channel of status changes: `<schema>.<table>_executions` (see the README). */
  readonly channel: string;

  private readonly s: RegistryStatements;
  private readonly subscriptions: Subscriptions;

  /** Creates the registry of a store; the store calls it. */
  constructor(
    private readonly host: RegistryHost,
    options: ResolvedPostgresOptions,
  ) {
    this.s = buildRegistryStatements(options);
    this.channel = options.registryChannel;
    this.subscriptions = new Subscriptions(
      {
        client: () => host.conn.sql,
        once: (work) => host.conn.run(work, undefined, false),
        resolve: async (prefix, digest) => {
          const [row] = await host.conn.rows(this.s.resolve, [prefix, digest]);
          return row === undefined ? undefined : String(row[0]);
        },
      },
      this.channel,
    );
    host.conn.onReplaced((client) => this.subscriptions.relisten(client));
  }

  /** {@inheritDoc @lg/core#ExecutionRegistry.enqueue} */
  async enqueue(request: EnqueueRequest): Promise<EnqueueResult> {
    this.host.assertOpen();
    validateEnqueueRequest(request);
    const params = [request.executionId, request.graphName, request.graphVersion, request.input, request.inputKey];
    for (let attempt = 1; attempt <= DECIDE_ATTEMPTS; attempt++) {
      const [row] = await this.host.conn.rows(this.s.enqueue, params);
      // No row: the record was inserted or deleted by another call after this statement's snapshot.
      if (row === undefined) continue;
      const record = rowToRecord(row.slice(1));
      const source = Number(row[0]);
      if (source === Source.Inserted) return { record, outcome: "created" };
      if (source === Source.Updated) return { record, outcome: "requeued" };
      if (record.inputKey === request.inputKey) return { record, outcome: "existing" };
      if (record.status === "queued" || record.status === "running")
        throw new ExecutionBusyError(record.executionId, record.status);
      // Paused or ended in the snapshot, yet not queued again: another call changed it meanwhile. Look again.
    }
    throw this.contended("enqueue", request.executionId);
  }

  /** {@inheritDoc @lg/core#ExecutionRegistry.claim} */
  async claim(request: ClaimRequest): Promise<Lease[]> {
    this.host.assertOpen();
    validateClaimRequest(request);
    if (request.graphs.length === 0) return [];
    const limit = Math.min(request.limit, MAX_CLAIM);
    const tokens = Array.from({ length: limit }, () => mintLeaseToken());
    const rows = await this.host.conn.rows(this.s.claim, [
      request.owner,
      arrayLiteral(request.graphs.map((graph) => graph.name)),
      arrayLiteral(request.graphs.map((graph) => graph.version)),
      limit,
      request.leaseMs,
      arrayLiteral(tokens),
    ]);
    return rows.map((row) => {
      const record = rowToRecord(row);
      return { executionId: record.executionId, token: String(row[RecCol.Token]), record };
    });
  }

  /** {@inheritDoc @lg/core#ExecutionRegistry.renew} */
  async renew(leases: readonly LeaseFence[], leaseMs: number): Promise<RenewResult> {
    this.host.assertOpen();
    if (!Array.isArray(leases)) throw new InvalidArgumentError("leases must be an array of { executionId, token }");
    for (const fence of leases) validateLeaseFence(fence);
    validateLeaseMs(leaseMs);
    // A fence PostgreSQL text cannot hold names no record: lost without being sent.
    const sendable = leases.filter((fence) => isRecordId(fence.executionId) && isStorableText(fence.token));
    const unsendable = leases.filter((fence) => !sendable.includes(fence)).map((fence) => fence.executionId);
    const [row] = await this.host.conn.rows(this.s.renew, [
      arrayLiteral(sendable.map((fence) => fence.executionId)),
      arrayLiteral(sendable.map((fence) => fence.token)),
      leaseMs,
    ]);
    const lost = JSON.parse(String(row?.[1] ?? "[]")) as string[];
    return { lost: [...lost, ...unsendable], expiresAt: new Date(Number(row?.[0])) };
  }

  /** {@inheritDoc @lg/core#ExecutionRegistry.release} */
  async release(lease: LeaseFence, outcome: ReleaseOutcome): Promise<ExecutionRecord> {
    this.host.assertOpen();
    validateLeaseFence(lease);
    validateReleaseOutcome(outcome);
    if (!isRecordId(lease.executionId) || !isStorableText(lease.token)) throw new LeaseLostError(lease.executionId);
    const [row] = await this.host.conn.rows(this.s.release, [
      lease.executionId,
      lease.token,
      outcome.status,
      outcome.error ?? null,
    ]);
    if (row === undefined) throw new LeaseLostError(lease.executionId);
    return rowToRecord(row);
  }

  /** {@inheritDoc @lg/core#ExecutionRegistry.cancel} */
  async cancel(executionId: string): Promise<ExecutionRecord | undefined> {
    this.host.assertOpen();
    assertNonEmptyString("executionId", executionId);
    if (!isRecordId(executionId)) return undefined;
    for (let attempt = 1; attempt <= DECIDE_ATTEMPTS; attempt++) {
      const [row] = await this.host.conn.rows(this.s.cancel, [executionId]);
      if (row === undefined) return undefined;
      const record = rowToRecord(row.slice(1));
      if (Number(row[0]) === Source.Updated) return record;
      if (record.status === "done" || record.status === "failed" || record.status === "cancelled") return record;
      // Not ended in the snapshot, yet not cancelled: another call changed it meanwhile. Look again.
    }
    throw this.contended("cancel", executionId);
  }

  /** {@inheritDoc @lg/core#ExecutionRegistry.get} */
  async get(executionId: string): Promise<ExecutionRecord | undefined> {
    this.host.assertOpen();
    assertNonEmptyString("executionId", executionId);
    if (!isRecordId(executionId)) return undefined;
    const [row] = await this.host.conn.rows(this.s.get, [executionId]);
    return row === undefined ? undefined : rowToRecord(row);
  }

  /** {@inheritDoc @lg/core#ExecutionRegistry.list} */
  async list(options?: ListRecordsOptions): Promise<ExecutionRecordPage> {
    this.host.assertOpen();
    const statuses = validateListRecordsOptions(options);
    const limit = options?.limit ?? DEFAULT_PAGE;
    // The cursor as listExecutions places it (code point order, whatever it holds).
    const bound = executionBound(options?.cursor ?? "");
    if (bound === undefined) return { records: [] };
    const rows = await this.host.conn.rows(this.s.list, [
      bound.text,
      String(bound.inclusive),
      statuses === undefined ? null : arrayLiteral(statuses),
      limit + 1,
    ]);
    const records = rows.slice(0, limit).map((row) => rowToRecord(row));
    const last = records[records.length - 1];
    return rows.length > limit && last !== undefined ? { records, nextCursor: last.executionId } : { records };
  }

  /** {@inheritDoc @lg/core#ExecutionRegistry.counts} */
  async counts(): Promise<Record<ExecutionStatus, number>> {
    this.host.assertOpen();
    const counts = zeroCounts();
    for (const [status, count] of await this.host.conn.rows(this.s.counts, [])) {
      if (isStatus(status)) counts[status] = Number(count);
    }
    return counts;
  }

  /**
   * {@inheritDoc @lg/core#ExecutionRegistry.subscribe}
   *
   * LISTEN on {@link channel}, on the dedicated connection postgres.js keeps for its client's LISTENs. A lost
   * connection is opened again and listens again by itself; changes made meanwhile are not announced (keep polling).
   */
  async subscribe(listener: (change: StatusChange) => void): Promise<() => Promise<void>> {
    this.host.assertOpen();
    if (typeof listener !== "function") throw new InvalidArgumentError("subscribe needs a listener function");
    return this.subscriptions.subscribe(listener);
  }

  /** Ends every subscription; the store calls it when it closes. */
  endSubscriptions(): void {
    this.subscriptions.endAll();
  }

  /** The statement that deletes a record, for `clear`'s transaction; param: execution id. */
  get removeStatement(): string {
    return this.s.remove;
  }

  private contended(what: string, executionId: string): StoreUnavailableError {
    return new StoreUnavailableError(
      `${what} of execution "${executionId}" found its record changed by other calls ${DECIDE_ATTEMPTS} times ` +
        "in a row; try again",
    );
  }
}
