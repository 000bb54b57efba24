import {
  CheckpointConflictError,
  StoreClosedError,
  type Checkpoint,
  type CheckpointHeader,
  type CheckpointStore,
  type ExecutionPage,
  type ExecutionSummary,
  type ListExecutionsOptions,
  type ListOptions,
  type PruneOptions,
  type SaveOptions,
  type StoreCapabilities,
  type StoreStats,
} from "@lg/core";
import {
  applyListOptions,
  assertNonEmptyString,
  encodeCheckpoint,
  encodeIncremental,
  jsonEqual,
  sameEncodedCheckpoint,
  selectPruneVictims,
  validateListExecutionsOptions,
  validateListOptions,
  validatePruneOptions,
  type EncodedIncrementalCheckpoint,
  type JsonValue,
} from "@lg/core/store";
import { MemoryExecutionRegistry } from "./memory-registry.js";
import { RegistryTable } from "./registry-table.js";
import { RowTable } from "./row-table.js";
import type { StoredEntry } from "./version-index.js";

const STORE_NAME = "MemoryCheckpointStore";

/** Page size of `listExecutions` when the caller gives no `limit`. */
const DEFAULT_EXECUTION_PAGE_SIZE = 100;

const CAPABILITIES: StoreCapabilities = Object.freeze({
  taskResults: true,
  incremental: true,
  headerList: true,
  nativePrune: true,
  persistent: false,
  multiProcess: false,
  ttl: false,
});

/**
 * A {@link CheckpointStore} that keeps checkpoints in the process's memory: for development, tests and short-lived
 * runs. Nothing survives the process, and instances share nothing with each other.
 *
 * - Copies in and out: `save` keeps the validated, encoded form, and every read decodes it into fresh objects, so
 *   callers can mutate what they saved or loaded freely.
 * - Incremental: given the runtime's `changes`, a save encodes only the channels its step wrote and the items it
 *   appended, so its cost does not grow with the state; a read folds the row's chain back into the full state, and
 *   deleting a checkpoint others read through hides it instead (docs/incremental-checkpoints.md).
 * - Indexed: checkpoints sit in a per-execution array sorted by version plus an id map, so `latest` is O(1),
 *   `list` is a binary search plus the rows returned, and `clear`/`prune` touch one execution only.
 * - `(executionId, version)` is unique; the check and the insert run without yielding to the event loop, so of
 *   any number of concurrent saves of one version exactly one succeeds.
 * - An execution registry (`registry`) for the workers of this process, fencing `save(cp, { lease })` by the lease's
 *   token in the same synchronous step as the version check.
 *
 * @example
 * ```ts
 * const store = new MemoryCheckpointStore();
 * const app = graph.compile({ checkpoint: { store } });
 * ```
 */
export class MemoryCheckpointStore implements CheckpointStore {
  /** Prune is native; checkpoints are kept incrementally; data is neither persistent nor shared; no TTL. */
  readonly capabilities: StoreCapabilities = CAPABILITIES;

  private readonly rows = new RowTable();
  private readonly executions = new RegistryTable();
  private closed = false;

  /**
   * The execution registry of this store's executions, shared by the workers of this process (see
   * {@link MemoryExecutionRegistry}). `clear` removes an execution's record; `close` drops every record.
   */
  readonly registry: MemoryExecutionRegistry = new MemoryExecutionRegistry(this.executions, () => this.assertOpen());

  /**
   * Stores a copy of `checkpoint` — with `options.changes`, only what changed since its parent. Rejects with
   * `CheckpointConflictError` when its `(executionId, version)` is held by another id or its id is stored with
   * different content; re-saving identical content is a no-op. Rejects with `SerializationError` (naming the path)
   * or `InvalidArgumentError` for unstorable input. With `options.lease`, rejects with `LeaseLostError` (before any
   * conflict) unless the registry's record of the execution is running under that lease's token.
   */
  async save(checkpoint: Checkpoint, options?: SaveOptions): Promise<void> {
    this.assertOpen();
    let changes = options?.changes;
    let encoded = encodeIncremental(checkpoint, changes);
    const { id, executionId, version } = encoded.header;
    // Everything below runs synchronously: there is no `await` between the lease and conflict checks and the insert,
    // and JavaScript runs one callback at a time, so no other save, claim or cancel can slip in between. That makes
    // check-and-insert atomic, the in-memory equivalent of a unique index and a fenced transaction.
    // Fenced by the record of the lease's execution: this one, or the parent a subgraph runs under.
    if (options?.lease !== undefined) this.executions.assertHeld(options.lease);
    const existing = this.rows.row(id);
    if (existing !== undefined) {
      if (!this.sameAsStored(existing, encoded, checkpoint)) throw new CheckpointConflictError(executionId, version);
      // A deleted checkpoint later rows still read through is hidden, not gone: saved again (a restore), it is back.
      if (existing.hidden) this.rows.unhide(existing);
      return;
    }
    if (this.rows.versionTaken(executionId, version)) throw new CheckpointConflictError(executionId, version);
    const parent = changes === undefined ? undefined : this.rows.row(changes.parentId);
    if (changes !== undefined && (parent === undefined || parent.executionId !== executionId)) {
      // The parent went (deleted meanwhile): this checkpoint cannot read through it, so it is stored whole.
      changes = undefined;
      encoded = encodeIncremental(checkpoint);
    }
    this.rows.insert({
      id,
      executionId,
      version,
      timestamp: encoded.header.timestamp,
      header: encoded.header,
      row: encoded.row,
      chainParent: changes?.parentId,
      hidden: false,
    });
  }

  /** A fresh copy of the checkpoint with this id, or `undefined`. */
  async load(id: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    assertNonEmptyString("id", id);
    const entry = this.rows.row(id);
    return entry === undefined || entry.hidden ? undefined : this.rows.read(entry);
  }

  /** Fresh copies of the execution's checkpoints ordered by version; `[]` for an unknown execution. */
  async list(executionId: string, options?: ListOptions): Promise<Checkpoint[]> {
    return this.listed(executionId, options).map((entry) => this.rows.read(entry));
  }

  /** What `list` returns with the same options, without the states (which are neither folded nor decoded). */
  async listHeaders(executionId: string, options?: ListOptions): Promise<CheckpointHeader[]> {
    return this.listed(executionId, options).map((entry) => this.rows.header(entry));
  }

  /** A fresh copy of the execution's newest checkpoint (the last of its sorted array), or `undefined`. */
  async latest(executionId: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    const newest = this.newestOf(executionId);
    return newest === undefined ? undefined : this.rows.read(newest);
  }

  /** Deletes one checkpoint; no error when it does not exist. Rows that read through it keep their state. */
  async delete(id: string): Promise<void> {
    this.assertOpen();
    assertNonEmptyString("id", id);
    const entry = this.rows.row(id);
    if (entry === undefined || entry.hidden) return;
    this.rows.remove(entry.executionId, new Set([id]));
  }

  /** Removes every checkpoint of one execution and its registry record; other executions are untouched. */
  async clear(executionId: string): Promise<void> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    this.rows.clear(executionId);
    this.executions.remove(executionId);
  }

  /**
   * Deletes the checkpoints that `selectPruneVictims` chooses (never the newest, never a `protect`ed id) and
   * returns how many went; the rows kept checkpoints still read through stay, hidden.
   */
  async prune(executionId: string, options: PruneOptions): Promise<number> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    validatePruneOptions(options);
    const entries = this.rows.checkpointsOf(executionId);
    if (entries === undefined) return 0;
    const victims = new Set(selectPruneVictims(entries, options));
    if (victims.size > 0) this.rows.remove(executionId, victims);
    return victims.size;
  }

  /**
   * A page of executions ordered by execution id (code point order, as SQL and Redis sort). `cursor` is exclusive: pass the previous
   * page's `nextCursor`, which is the last id on that page. Served from a sorted id list, without a full scan.
   */
  async listExecutions(options?: ListExecutionsOptions): Promise<ExecutionPage> {
    this.assertOpen();
    validateListExecutionsOptions(options);
    const limit = options?.limit ?? DEFAULT_EXECUTION_PAGE_SIZE;
    const { values, hasMore } = this.rows.executionIds.pageAfter(options?.cursor, limit);
    const executions: ExecutionSummary[] = [];
    for (const executionId of values) {
      const newest = this.newestOf(executionId);
      if (newest === undefined) continue; // unreachable: ids leave the list with their last checkpoint
      executions.push({ executionId, latestVersion: newest.version, updatedAt: new Date(newest.timestamp) });
    }
    const page: ExecutionPage = { executions };
    const last = values[values.length - 1];
    if (hasMore && last !== undefined) page.nextCursor = last;
    return page;
  }

  /** Resolves while the store is open. */
  async ping(): Promise<void> {
    this.assertOpen();
  }

  /** Checkpoint and execution counts, and the UTF-8 size of the stored rows' JSON (hidden rows included). */
  async stats(): Promise<StoreStats> {
    this.assertOpen();
    return {
      checkpoints: this.rows.checkpointCount,
      executions: this.rows.executionCount,
      bytes: this.rows.bytes.total(),
    };
  }

  /**
   * Drops every checkpoint and registry record, ends the registry's subscriptions and makes further calls (the
   * registry's too) reject with `StoreClosedError`. A second call is harmless.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.rows.reset();
    this.executions.reset();
  }

  /**
   * Whether `checkpoint` (encoded as `encoded`) is what `existing` holds: the same row when both were stored the same
   * way (whole, or as the same changes), otherwise the same checkpoint once read back whole.
   */
  private sameAsStored(existing: StoredEntry, encoded: EncodedIncrementalCheckpoint, checkpoint: Checkpoint): boolean {
    const sameWay =
      existing.chainParent === undefined ? encoded.row.base !== undefined : encoded.row.base === undefined;
    if (
      sameWay &&
      sameEncodedCheckpoint(existing.header, encoded.header) &&
      jsonEqual(existing.row as unknown as JsonValue, encoded.row as unknown as JsonValue)
    )
      return true;
    return sameEncodedCheckpoint(encodeCheckpoint(this.rows.read(existing)), encodeCheckpoint(checkpoint));
  }

  /** The rows `list` and `listHeaders` hand out for these arguments (validated here). */
  private listed(executionId: string, options: ListOptions | undefined): readonly StoredEntry[] {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    validateListOptions(options);
    const entries = this.rows.checkpointsOf(executionId);
    return entries === undefined ? [] : applyListOptions(entries, options);
  }

  private newestOf(executionId: string): StoredEntry | undefined {
    const entries = this.rows.checkpointsOf(executionId);
    return entries === undefined ? undefined : entries[entries.length - 1];
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError(STORE_NAME);
  }
}
