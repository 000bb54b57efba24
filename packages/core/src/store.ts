import type {
  Checkpoint,
  CheckpointHeader,
  ExecutionPage,
  ListExecutionsOptions,
  ListOptions,
  PruneOptions,
  SerializedCheckpoint,
  StoreCapabilities,
  StoreStats,
} from "./checkpoint.js";
import type { ExecutionRegistry } from "./registry.js";
import type { SaveOptions } from "./state-changes.js";

/**
 * The storage contract every checkpoint backend keeps. `@lg/store-testkit` checks each guarantee written here.
 *
 * General rules:
 * - Every method returns a promise and reports failures by rejecting it; nothing is fire-and-forget.
 * - A store never hands out or keeps references to caller objects: what `save` received may be mutated by the
 *   caller afterwards, and what `load` returns may be mutated by the caller, without changing what is stored.
 * - Ids and execution ids are arbitrary non-empty strings (any Unicode, quotes, `*`, `%`, `:`) and round-trip.
 * - State and metadata round-trip losslessly through the core serializer (see `encodeValue`).
 * - Connection failures reject with `StoreUnavailableError`; unreadable stored data with `CheckpointCorruptError`.
 */
export interface CheckpointStore {
  /** Optional features this store has; read by the testkit and the runtime. */
  readonly capabilities?: StoreCapabilities;

  /**
   * The store's execution registry, when it keeps one (durable stores do): what workers claim, lease and release
   * (`createWorker`). With it, `save(cp, { lease })` is fenced by the lease's token and `clear` also removes the
   * execution's record. A store without it serves single-process runs only.
   */
  readonly registry?: ExecutionRegistry;

  /**
   * Inserts a checkpoint.
   *
   * - Rejects with `CheckpointConflictError` when another checkpoint already holds `(executionId, version)`;
   *   the decision is made atomically by the backend (unique index, transaction or script), never by a
   *   read-then-write race. Of N concurrent saves of the same `(executionId, version)` exactly one succeeds.
   * - Saving the same `id` again with identical content is a no-op; with different content it is a conflict.
   *   Identical means equal by `jsonEqual` once encoded: object keys in any order (a checkpoint read back from a
   *   backend that reorders keys, like PostgreSQL's JSONB, saves again as a no-op), array items in order.
   * - Rejects with `SerializationError` (naming the path, e.g. `state.user.callback`) when state or metadata hold
   *   a function, a symbol or a cycle, and with `InvalidArgumentError` when a field is malformed.
   * - `options.changes` (only sent to a store that declares `incremental`) says what changed since the parent: the
   *   store may write just that; `checkpoint.state` is still the full state, and reading the checkpoint back must
   *   give it whole.
   * - `options.lease` (only sent to a store that has a `registry`): the save commits only while the registry's record
   *   of the lease's execution (`lease.executionId`: the checkpoint's own, or the parent a subgraph runs under) holds
   *   `lease.token`, decided atomically with the version check; otherwise it rejects with `LeaseLostError` and writes
   *   nothing.
   */
  save(checkpoint: Checkpoint, options?: SaveOptions): Promise<void>;

  /**
   * Optional batch `save`, declared by the `batchSave` capability: bulk writers (restores, migrations) use it, and
   * `saveCheckpoints` from `@lg/core/store` falls back to `save` one checkpoint at a time when it is absent.
   *
   * - Every item keeps the guarantees of `save`: an identical re-save is a no-op (so a batch may be written again),
   *   another checkpoint at an item's `(executionId, version)` or `id` is a `CheckpointConflictError`, decided
   *   atomically by the backend. Two items of the batch for the same `(executionId, version)` with different
   *   content conflict with each other; identical items are saved once.
   * - Every item is validated and encoded before anything is written: an invalid item rejects with the error `save`
   *   would give it (`InvalidArgumentError`, `SerializationError`).
   * - All or nothing: when the batch rejects, none of its items was written (items already stored before stay).
   *   A conflict rejects with the `CheckpointConflictError` of the first conflicting item in batch order.
   * - An empty batch resolves without touching the backend. A batch is one transaction or statement: callers keep
   *   batches to a few thousand checkpoints.
   */
  saveMany?(checkpoints: readonly Checkpoint[]): Promise<void>;

  /**
   * Optional `saveMany` for tools that copy checkpoints without using them (restores, migrations), declared by the
   * `serializedSave` capability: each item's `text` is the JSON text of an encoded checkpoint (what
   * `serializeCheckpoint` writes or `listSerialized` hands out; keys in any order, any spacing), saved as `saveMany`
   * would save `deserializeCheckpoint(item.text)`. `saveSerializedCheckpoints` from `@lg/core/store` falls back to
   * that when it is absent.
   *
   * - The guarantees of `saveMany`: every item is validated before anything is written (text that
   *   `deserializeCheckpoint` refuses rejects with its `CheckpointCorruptError`; a checkpoint `save` refuses with its
   *   `InvalidArgumentError` or `SerializationError`), an identical re-save is a no-op (equal by `jsonEqual` once
   *   encoded), a conflict rejects with the `CheckpointConflictError` of the first conflicting item, all or nothing,
   *   and an empty batch resolves without touching the backend.
   * - The store may check the text more cheaply than decoding it, as long as what it stores reads back exactly as
   *   `saveMany` of the decoded checkpoints would (full checkpoints: no incremental rows). An item's `id` and
   *   `version` are not read: the text's own fields are what is saved (a caller that has not parsed the text, like a
   *   restore, passes `""` and `0`).
   */
  saveSerialized?(items: readonly SerializedCheckpoint[]): Promise<void>;

  /**
   * Optional `list` for tools that copy checkpoints without using them (backups, migrations), declared by the
   * `serializedList` capability: the same checkpoints in the same order for the same options, each as the JSON text
   * of its encoded form (what `serializeCheckpoint` writes; keys in any order, any spacing), which
   * `deserializeCheckpoint` turns into exactly what `list` returns. The store skips decoding: no state is walked.
   * Stored text that is not valid JSON rejects with `CheckpointCorruptError`, as `list` would.
   */
  listSerialized?(executionId: string, options?: ListOptions): Promise<SerializedCheckpoint[]>;

  /** Returns the checkpoint with this id, or `undefined` when there is none (like `Map.get`). */
  load(id: string): Promise<Checkpoint | undefined>;

  /**
   * Lists an execution's checkpoints ordered by version (ascending unless `order: "desc"`), served by an index.
   * An unknown execution yields `[]`.
   */
  list(executionId: string, options?: ListOptions): Promise<Checkpoint[]>;

  /**
   * Optional, declared by the `headerList` capability: what `list` returns with the same options, without the states
   * — read without reading them, so that retention's cost does not grow with the state. Core falls back to `list`.
   */
  listHeaders?(executionId: string, options?: ListOptions): Promise<CheckpointHeader[]>;

  /** The execution's newest checkpoint by version, in one round trip whatever the history length; or `undefined`. */
  latest(executionId: string): Promise<Checkpoint | undefined>;

  /** Deletes one checkpoint. No error when it does not exist. */
  delete(id: string): Promise<void>;

  /**
   * Deletes every checkpoint of one execution (and its registry record, in a store with a `registry`); other
   * executions are untouched. No error when there are none.
   */
  clear(executionId: string): Promise<void>;

  /** Pages through the executions that have checkpoints, ordered by execution id. */
  listExecutions(options?: ListExecutionsOptions): Promise<ExecutionPage>;

  /**
   * Deletes old checkpoints of one execution and returns how many were deleted. The newest checkpoint is never
   * deleted, nor any id in `protect`. Optional: when absent, `pruneCheckpoints` from core does it with
   * `list` + `delete`.
   */
  prune?(executionId: string, options: PruneOptions): Promise<number>;

  /** Resolves when the backend answers; rejects with `StoreUnavailableError` otherwise. */
  ping(): Promise<void>;

  /** Counts of stored checkpoints and executions (and bytes where cheap). */
  stats(): Promise<StoreStats>;

  /** Releases connections and handles. Further calls reject. Calling `close` twice is harmless. */
  close(): Promise<void>;
}
