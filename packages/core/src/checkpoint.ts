/**
 * The checkpoint record and the option and result types that go with the {@link CheckpointStore} contract.
 *
 * @packageDocumentation
 */

/** `nodeName` of the checkpoint written for an execution's input, before any node has run. */
export const INPUT_NODE = "__input__";

/** `nodeName` of a checkpoint written by `updateState` (a human edit or a fork). */
export const UPDATE_NODE = "__update__";

/** `nodeName` of a checkpoint written when a node called `interrupt()` and the step was paused. */
export const INTERRUPT_NODE = "__interrupt__";

/** `nodeName` of a checkpoint written when a node failed in a step where other nodes finished or paused: it keeps their results. */
export const ERROR_NODE = "__error__";

/**
 * `nodeName` of a checkpoint written inside a step when a node's `context.step(name, fn)` recorded its outcome: the
 * step's state and plan, with the outcomes recorded so far in its task results.
 */
export const EFFECT_NODE = "__effect__";

/** Where a checkpoint came from, recorded as `metadata.source`. */
export type CheckpointSource = "input" | "loop" | "update" | "fork";

/**
 * Metadata stored with every checkpoint. The runtime fills the well-known keys; callers may add their own
 * through `invoke(..., { metadata })`. Values go through the same lossless serializer as state.
 */
export interface CheckpointMetadata {
  /** Where the checkpoint came from. */
  source?: CheckpointSource;
  /** Super-step number: 0 for the input checkpoint, then 1, 2, 3 … */
  step?: number;
  /** Mirror of `Checkpoint.executionId`, kept for compatibility with the seed design's `metadata.execution_id`. */
  execution_id?: string;
  /** Any other key the application adds. */
  [key: string]: unknown;
}

/** A pause recorded in a checkpoint: an `interrupt(value)` inside a node, or an `interruptBefore`/`interruptAfter` pause. */
export interface PauseRecord {
  /** The node concerned. */
  node: string;
  /** `inside`: the node called `interrupt(value)`; `before`/`after`: an `interruptBefore`/`interruptAfter` pause. */
  when: "inside" | "before" | "after";
  /** The value passed to `interrupt(value)` (undefined for before/after pauses). */
  value: unknown;
  /** For a task started by `send()`: its label, `node#index` (answer it under that name when several wait). */
  task?: string;
}

/** A task started by `send(node, input)`: the node runs with `input` as its state argument. */
export interface SendRecord {
  /** The node to run. */
  node: string;
  /** What it receives instead of the state. */
  input: unknown;
}

/** What one node of the step a checkpoint continues has left behind. */
export interface TaskResult {
  /** The node finished with this update: a resume merges it and does not run the node again. */
  writes?: Record<string, unknown>;
  /** Answers given to the node's `interrupt()` calls, in call order; a resume hands them back to the node. */
  resumes?: unknown[];
  /** Where the finished node routed with `Command({ goto })` (node names, sends), applied when the step completes. */
  goto?: (string | SendRecord)[];
  /** The node failed with this message (it runs again on resume). */
  error?: string;
  /** How many attempts the node made under its retry policy, when more than one. */
  attempts?: number;
  /**
   * What the node's `context.step(name, fn)` calls recorded, by key (the step's name; `name#2`, `name#3` … for its
   * second and later calls in one run of the node): given back when the node runs again, so `fn` is not called again.
   */
  steps?: Record<string, RecordedStep>;
}

/** What one `context.step(name, fn)` call recorded: the value `fn` resolved with, or the error it threw. */
export type RecordedStep = { value: unknown } | { error: { name: string; message: string; code?: string } };

/**
 * The task results of a checkpoint: what happened to the nodes of the step it continues (its `next`), the pauses
 * pending there, and the idempotency keys of the updates applied on its branch. Owned by the runtime; stores keep
 * it as it is (a column or field of its own, never inside `metadata`).
 */
export interface TaskResults {
  /**
   * Per task of the step: by node name, or by label `node#index` for a task started by `send()`; its writes when it
   * finished, its resume answers, its failure.
   */
  nodes: Record<string, TaskResult>;
  /** The sends of the step (pending for the next step, or under way in an unfinished one), in order. */
  sends?: SendRecord[];
  /** The step's nodes reached by edges, when it has sends (`Checkpoint.next` then also lists the sends' nodes). */
  next?: string[];
  /** Pauses pending at this checkpoint, in the order they were raised. */
  interrupts: PauseRecord[];
  /** Idempotency keys of the most recent updates (`updateState`, `Command`) applied on this branch, oldest first. */
  updateKeys?: string[];
  /**
   * The checkpoint this one's chain of updates, pauses and partial steps began from (no step completed since); the
   * default idempotency key of an update names it, so a retry is recognised after the first attempt landed.
   */
  anchorId?: string;
}

/**
 * One durable snapshot of an execution, written after a super-step.
 *
 * @typeParam S - the shape of the graph state.
 */
export interface Checkpoint<S = unknown> {
  /** Unique, time-ordered id (UUIDv7) minted by core with {@link createCheckpointId}; never by the clock alone. */
  id: string;
  /** The execution (thread) the checkpoint belongs to. */
  executionId: string;
  /** The node whose completion produced it: `__input__` for the first, `__update__` for `updateState`. */
  nodeName: string;
  /** Full state snapshot after the step. */
  state: S;
  /** `source`, `step`, `execution_id` and user metadata. */
  metadata: CheckpointMetadata;
  /** When the checkpoint was created. */
  timestamp: Date;
  /** 1, 2, 3 … per execution, strictly increasing; `(executionId, version)` is unique. The optimistic-concurrency token. */
  version: number;
  /** The checkpoint this one continues from. Forks share a parent. Absent on an execution's first checkpoint. */
  parentId?: string;
  /** Nodes to run when the execution resumes from here; `[]` when the execution has finished. */
  next: string[];
  /**
   * Task results of the step this checkpoint continues (finished nodes' writes, pauses, resume answers), written by
   * the runtime. Absent when there are none. Stores keep it losslessly, like `state`.
   */
  tasks?: TaskResults;
}

/**
 * A checkpoint without its state, as {@link CheckpointStore.listHeaders} returns it: what retention and history views
 * need (ids, versions, lineage, pauses in `tasks`) without reading or decoding states.
 */
export type CheckpointHeader = Omit<Checkpoint, "state">;

/** Options of {@link CheckpointStore.list}. */
export interface ListOptions {
  /** At most this many checkpoints (a positive integer). */
  limit?: number;
  /** Only checkpoints with `version < beforeVersion`. */
  beforeVersion?: number;
  /** Only checkpoints with `version > afterVersion`. */
  afterVersion?: number;
  /** `"asc"` (default) lists oldest first; `"desc"` newest first. The limit applies after ordering. */
  order?: "asc" | "desc";
}

/** Options of {@link CheckpointStore.prune}. A checkpoint is deleted only when every rule given allows it. */
export interface PruneOptions {
  /** Keep the newest `keepLast` checkpoints (by version); a positive integer. */
  keepLast?: number;
  /** Delete only checkpoints whose `timestamp` is before this instant. */
  olderThan?: Date;
  /** Ids never deleted, whatever the rules say (the checkpoint being resumed from, pending interrupts). */
  protect?: readonly string[];
}

/** One row of {@link CheckpointStore.listExecutions}. */
export interface ExecutionSummary {
  /** The execution id. */
  executionId: string;
  /** Version of its newest checkpoint. */
  latestVersion: number;
  /** Timestamp of its newest checkpoint. */
  updatedAt: Date;
}

/** Options of {@link CheckpointStore.listExecutions}. */
export interface ListExecutionsOptions {
  /** Page size, a positive integer (default 100). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/**
 * A page of executions, ordered by execution id in code point order (the byte order of UTF-8, which SQL and Redis
 * use; it differs from JavaScript's `<` only between characters above U+FFFF and those in U+E000–U+FFFF).
 */
export interface ExecutionPage {
  /** The executions on this page. */
  executions: ExecutionSummary[];
  /** Pass as `cursor` to get the next page; absent on the last page. */
  nextCursor?: string;
}

/** Counters reported by {@link CheckpointStore.stats}. */
export interface StoreStats {
  /** Number of stored checkpoints. */
  checkpoints: number;
  /** Number of executions with at least one checkpoint. */
  executions: number;
  /** Approximate bytes used by stored checkpoints, where the backend can tell cheaply. */
  bytes?: number;
  /**
   * True when `checkpoints` or `executions` are estimates rather than exact counts: a store whose exact count
   * would read the whole table (or every key) answers from its statistics instead, so that `stats()` stays cheap
   * however much is stored. Absent or false: the counts are exact (`bytes` is approximate either way).
   */
  estimated?: boolean;
}

/** One checkpoint as `CheckpointStore.listSerialized` returns it. */
export interface SerializedCheckpoint {
  /** Checkpoint id. */
  id: string;
  /** Version within its execution (for paging with `afterVersion`). */
  version: number;
  /** JSON text of the encoded checkpoint (`EncodedCheckpoint`): what `deserializeCheckpoint` reads. */
  text: string;
}

/**
 * Optional features a store declares. The testkit reads them to decide which checks apply; it never looks at a
 * store's name.
 */
export interface StoreCapabilities {
  /** Checkpoints can expire by themselves after a time to live. */
  ttl?: boolean;
  /** `prune` runs natively (one statement or script), not through the core fallback. */
  nativePrune?: boolean;
  /** Data survives `close()` and a new store instance on the same location sees it. */
  persistent?: boolean;
  /** Several processes or instances may share the data safely. */
  multiProcess?: boolean;
  /**
   * The store keeps `Checkpoint.tasks` itself (a column or field of its own). Without it the runtime stores task
   * results inside the metadata (key `tasks`), so a store written before task results existed keeps working.
   */
  taskResults?: boolean;
  /** The store has `saveMany`: a batch of checkpoints written all or nothing in one transaction or statement. */
  batchSave?: boolean;
  /** The store has `listSerialized`: `list` handing out each checkpoint's encoded JSON text without decoding it. */
  serializedList?: boolean;
  /** The store has `saveSerialized`: `saveMany` taking each checkpoint's encoded JSON text, without a decoded copy. */
  serializedSave?: boolean;
  /** The store has `listHeaders`: checkpoints without their states, read without reading the states. */
  headerList?: boolean;
  /**
   * The store keeps checkpoints incrementally: given `changes` in `save`'s options it writes only the channels a
   * step wrote and the items it appended, and rebuilds full states on reading (docs/incremental-checkpoints.md).
   * Without it the runtime sends nothing extra and the store writes full states.
   */
  incremental?: boolean;
}
