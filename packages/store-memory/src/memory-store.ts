import {
  CheckpointConflictError,
  StoreClosedError,
  type Checkpoint,
  type CheckpointStore,
  type ExecutionPage,
  type ExecutionSummary,
  type ListExecutionsOptions,
  type ListOptions,
  type PruneOptions,
  type StoreCapabilities,
  type StoreStats,
} from "@lg/core";
import {
  applyListOptions,
  assertNonEmptyString,
  decodeCheckpoint,
  encodeCheckpoint,
  sameEncodedCheckpoint,
  selectPruneVictims,
  validateListExecutionsOptions,
  validateListOptions,
  validatePruneOptions,
} from "@lg/core/store";
import { ByteTally } from "./byte-tally.js";
import { SortedStringList } from "./sorted-string-list.js";
import { findByVersion, insertByVersion, removeByVersion, type StoredEntry } from "./version-index.js";

const STORE_NAME = "MemoryCheckpointStore";

/** Page size of `listExecutions` when the caller gives no `limit`. */
const DEFAULT_EXECUTION_PAGE_SIZE = 100;

const CAPABILITIES: StoreCapabilities = Object.freeze({
  taskResults: true,
  nativePrune: true,
  persistent: false,
  multiProcess: false,
  ttl: false,
});

/**
 * A {@link CheckpointStore} that keeps checkpoints in the process's memory: for development, tests and short-lived
 * runs. Nothing survives the process, and instances share nothing with each other.
 *
 * - Copies in and out: `save` keeps the validated, encoded form (`encodeCheckpoint`), and every read decodes it
 *   into fresh objects (`decodeCheckpoint`), so callers can mutate what they saved or loaded freely.
 * - Indexed: checkpoints sit in a per-execution array sorted by version plus an id map, so `latest` is O(1),
 *   `list` is a binary search plus the rows returned, and `clear`/`prune` touch one execution only.
 * - `(executionId, version)` is unique; the check and the insert run without yielding to the event loop, so of
 *   any number of concurrent saves of one version exactly one succeeds.
 *
 * @example
 * ```ts
 * const store = new MemoryCheckpointStore();
 * const app = graph.compile({ checkpoint: { store } });
 * ```
 */
export class MemoryCheckpointStore implements CheckpointStore {
  /** Prune is native; data is neither persistent nor shared between processes; no TTL. */
  readonly capabilities: StoreCapabilities = CAPABILITIES;

  private readonly byId = new Map<string, StoredEntry>();
  /** Per execution, its entries sorted by ascending version; an execution with no entry has no key. */
  private readonly byExecution = new Map<string, StoredEntry[]>();
  private readonly executionIds = new SortedStringList();
  private readonly bytes = new ByteTally();
  private closed = false;

  /**
   * Stores a copy of `checkpoint`. Rejects with `CheckpointConflictError` when its `(executionId, version)` is
   * held by another id or its id is stored with different content; re-saving identical content is a no-op.
   * Rejects with `SerializationError` (naming the path) or `InvalidArgumentError` for unstorable input.
   */
  async save(checkpoint: Checkpoint): Promise<void> {
    this.assertOpen();
    const encoded = encodeCheckpoint(checkpoint);
    // Everything below runs synchronously: there is no `await` between the conflict checks and the insert, and
    // JavaScript runs one callback at a time, so no other save can slip in between. That makes check-and-insert
    // atomic, the in-memory equivalent of a unique index.
    const existing = this.byId.get(encoded.id);
    if (existing !== undefined) {
      if (sameEncodedCheckpoint(existing.encoded, encoded)) return;
      throw new CheckpointConflictError(encoded.executionId, encoded.version);
    }
    let entries = this.byExecution.get(encoded.executionId);
    if (entries !== undefined && findByVersion(entries, encoded.version) !== undefined) {
      throw new CheckpointConflictError(encoded.executionId, encoded.version);
    }
    if (entries === undefined) {
      entries = [];
      this.byExecution.set(encoded.executionId, entries);
      this.executionIds.add(encoded.executionId);
    }
    const entry: StoredEntry = {
      id: encoded.id,
      executionId: encoded.executionId,
      version: encoded.version,
      timestamp: encoded.timestamp,
      encoded,
    };
    insertByVersion(entries, entry);
    this.byId.set(entry.id, entry);
    this.bytes.add(entry);
  }

  /** A fresh copy of the checkpoint with this id, or `undefined`. */
  async load(id: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    assertNonEmptyString("id", id);
    const entry = this.byId.get(id);
    return entry === undefined ? undefined : decodeCheckpoint(entry.encoded);
  }

  /** Fresh copies of the execution's checkpoints ordered by version; `[]` for an unknown execution. */
  async list(executionId: string, options?: ListOptions): Promise<Checkpoint[]> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    validateListOptions(options);
    const entries = this.byExecution.get(executionId);
    if (entries === undefined) return [];
    return applyListOptions(entries, options).map((entry) => decodeCheckpoint(entry.encoded));
  }

  /** A fresh copy of the execution's newest checkpoint (the last of its sorted array), or `undefined`. */
  async latest(executionId: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    const newest = this.newestOf(executionId);
    return newest === undefined ? undefined : decodeCheckpoint(newest.encoded);
  }

  /** Removes one checkpoint from both indexes; no error when it does not exist. */
  async delete(id: string): Promise<void> {
    this.assertOpen();
    assertNonEmptyString("id", id);
    const entry = this.byId.get(id);
    if (entry === undefined) return;
    this.byId.delete(id);
    this.bytes.remove(entry);
    const entries = this.byExecution.get(entry.executionId);
    if (entries === undefined) return;
    removeByVersion(entries, entry.version);
    if (entries.length === 0) this.forgetExecution(entry.executionId);
  }

  /** Removes every checkpoint of one execution; other executions are untouched. */
  async clear(executionId: string): Promise<void> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    const entries = this.byExecution.get(executionId);
    if (entries === undefined) return;
    for (const entry of entries) {
      this.byId.delete(entry.id);
      this.bytes.remove(entry);
    }
    this.forgetExecution(executionId);
  }

  /**
   * Deletes the checkpoints that `selectPruneVictims` chooses (never the newest, never a `protect`ed id) and
   * returns how many went. The execution's array is rebuilt in one pass rather than spliced once per victim.
   */
  async prune(executionId: string, options: PruneOptions): Promise<number> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    validatePruneOptions(options);
    const entries = this.byExecution.get(executionId);
    if (entries === undefined) return 0;
    const victims = new Set(selectPruneVictims(entries, options));
    if (victims.size === 0) return 0;
    const kept: StoredEntry[] = [];
    for (const entry of entries) {
      if (!victims.has(entry.id)) {
        kept.push(entry);
        continue;
      }
      this.byId.delete(entry.id);
      this.bytes.remove(entry);
    }
    this.byExecution.set(executionId, kept); // never empty: the newest checkpoint is always kept
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
    const { values, hasMore } = this.executionIds.pageAfter(options?.cursor, limit);
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

  /** Checkpoint and execution counts, and the UTF-8 size of the stored checkpoints' JSON. */
  async stats(): Promise<StoreStats> {
    this.assertOpen();
    return { checkpoints: this.byId.size, executions: this.byExecution.size, bytes: this.bytes.total() };
  }

  /** Drops every checkpoint and makes further calls reject with `StoreClosedError`. A second call is harmless. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.byId.clear();
    this.byExecution.clear();
    this.executionIds.clear();
    this.bytes.clear();
  }

  private newestOf(executionId: string): StoredEntry | undefined {
    const entries = this.byExecution.get(executionId);
    return entries === undefined ? undefined : entries[entries.length - 1];
  }

  private forgetExecution(executionId: string): void {
    this.byExecution.delete(executionId);
    this.executionIds.remove(executionId);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError(STORE_NAME);
  }
}
