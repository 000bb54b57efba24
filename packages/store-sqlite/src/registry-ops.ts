/**
 * The execution registry's work on one connection: each decision (enqueue, claim, renew, release, cancel, a fenced
 * save) is one transaction the caller runs with `.immediate()`, so it holds the file's write lock from its first
 * read: of two connections (or processes) deciding about the same record, the second waits and then sees what the
 * first wrote. Times are read inside the transaction, once the lock is held.
 *
 * @packageDocumentation
 */
import {
  ExecutionBusyError,
  LeaseLostError,
  type ClaimRequest,
  type EnqueueRequest,
  type EnqueueResult,
  type ExecutionRecord,
  type ExecutionStatus,
  type Lease,
  type LeaseFence,
  type ReleaseOutcome,
  type RenewResult,
} from "@lg/core";
import { mintLeaseToken } from "@lg/core/store";
import type Database from "better-sqlite3";
import type { SqliteDatabase } from "./options.js";
import { rowToRecord, type RecordRow } from "./registry-rows.js";

type Statement<Params extends unknown[], Row = unknown> = Database.Statement<Params, Row>;

/** The registry's prepared statements (see registry-sql.ts for their parameters). */
export interface RegistryStatements {
  select: Statement<[id: string], RecordRow>;
  insert: Statement<
    [{ id: string; graphName: string; graphVersion: string; input: string; inputKey: string; now: number }],
    RecordRow
  >;
  requeue: Statement<[{ id: string; input: string; inputKey: string; now: number }], RecordRow>;
  candidates: Statement<[{ graphs: string; now: number; limit: number }], string>;
  take: Statement<[{ id: string; owner: string; token: string; expiresAt: number; now: number }], RecordRow>;
  renew: Statement<[{ id: string; token: string; expiresAt: number }]>;
  release: Statement<
    [{ id: string; token: string; status: ExecutionStatus; error: string | null; now: number }],
    RecordRow
  >;
  cancel: Statement<[{ id: string; now: number }], RecordRow>;
  holds: Statement<[id: string, token: string], number>;
  list: Statement<[{ cursor: string; statuses: string | null; limit: number }], RecordRow>;
  counts: Statement<[], { status: ExecutionStatus; count: number }>;
}

/** A write made only while a lease is held. */
export type FencedWrite = () => void;

/** The registry's transactions and reads on one connection; every method runs synchronously. */
export class RegistryOps {
  /** Records a submission (validated by the caller). */
  readonly enqueue: Database.Transaction<(request: EnqueueRequest) => EnqueueResult>;
  /** Takes up to `limit` claimable records of the served graphs (validated, `graphs` not empty). */
  readonly claim: Database.Transaction<(request: ClaimRequest) => Lease[]>;
  /** Extends the leases still held; reports the others. */
  readonly renew: Database.Transaction<(fences: readonly LeaseFence[], leaseMs: number) => RenewResult>;
  /** Hands a held lease back; throws `LeaseLostError` when it is not held. */
  readonly release: Database.Transaction<(fence: LeaseFence, outcome: ReleaseOutcome) => ExecutionRecord>;
  /** Cancels a record that has not ended; returns it (as it is when it had ended), or `undefined`. */
  readonly cancel: Database.Transaction<(executionId: string) => ExecutionRecord | undefined>;
  /**
   * Runs `write` only while the record of `executionId` holds `token` (and is running), in the same transaction;
   * throws `LeaseLostError` and writes nothing otherwise. A transaction `write` opens becomes a savepoint of this one.
   */
  readonly fenced: Database.Transaction<(executionId: string, token: string, write: FencedWrite) => void>;

  constructor(
    db: SqliteDatabase,
    private readonly s: RegistryStatements,
  ) {
    this.enqueue = db.transaction((request) => this.enqueueNow(request, Date.now()));
    this.claim = db.transaction((request) => this.claimNow(request, Date.now()));
    this.renew = db.transaction((fences, leaseMs) => {
      const expiresAt = Date.now() + leaseMs;
      const lost = fences
        .filter((f) => s.renew.run({ id: f.executionId, token: f.token, expiresAt }).changes === 0)
        .map((f) => f.executionId);
      return { lost, expiresAt: new Date(expiresAt) };
    });
    this.release = db.transaction((fence, outcome) => {
      const error = outcome.status === "failed" ? (outcome.error ?? null) : null;
      const row = s.release.get({
        id: fence.executionId,
        token: fence.token,
        status: outcome.status,
        error,
        now: Date.now(),
      });
      if (row === undefined) throw new LeaseLostError(fence.executionId);
      return rowToRecord(row);
    });
    this.cancel = db.transaction((executionId) => {
      const row = s.cancel.get({ id: executionId, now: Date.now() }) ?? s.select.get(executionId);
      return row === undefined ? undefined : rowToRecord(row);
    });
    this.fenced = db.transaction((executionId, token, write) => {
      if (s.holds.get(executionId, token) === undefined) throw new LeaseLostError(executionId);
      write();
    });
  }

  private enqueueNow(request: EnqueueRequest, now: number): EnqueueResult {
    const { executionId: id, input, inputKey } = request;
    const existing = this.s.select.get(id);
    if (existing === undefined) {
      const { graphName, graphVersion } = request;
      const row = this.s.insert.get({ id, graphName, graphVersion, input, inputKey, now }) as RecordRow;
      return { record: rowToRecord(row), outcome: "created" };
    }
    if (existing.input_key === inputKey) return { record: rowToRecord(existing), outcome: "existing" };
    if (existing.status === "queued" || existing.status === "running")
      throw new ExecutionBusyError(id, existing.status);
    const row = this.s.requeue.get({ id, input, inputKey, now }) as RecordRow;
    return { record: rowToRecord(row), outcome: "requeued" };
  }

  private claimNow(request: ClaimRequest, now: number): Lease[] {
    const graphs = JSON.stringify(request.graphs.map((g) => [g.name, g.version]));
    const ids = this.s.candidates.all({ graphs, now, limit: request.limit });
    const expiresAt = now + request.leaseMs;
    return Array.from(ids, (id) => {
      const token = mintLeaseToken();
      const row = this.s.take.get({ id, owner: request.owner, token, expiresAt, now }) as RecordRow;
      return { executionId: id, token, record: rowToRecord(row) };
    });
  }

  /** The record of `executionId`, or `undefined`. */
  get(executionId: string): ExecutionRecord | undefined {
    const row = this.s.select.get(executionId);
    return row === undefined ? undefined : rowToRecord(row);
  }

  /** Up to `limit` records after `cursor` in execution id order, of `statuses` only when given. */
  list(cursor: string, statuses: readonly ExecutionStatus[] | undefined, limit: number): ExecutionRecord[] {
    const rows = this.s.list.all({ cursor, statuses: statuses === undefined ? null : JSON.stringify(statuses), limit });
    return Array.from(rows, rowToRecord);
  }

  /** How many records have each status present. */
  counts(): Array<{ status: ExecutionStatus; count: number }> {
    return Array.from(this.s.counts.all());
  }
}
