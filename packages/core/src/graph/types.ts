import type { CheckpointMetadata, PauseRecord, TaskResults } from "../checkpoint.js";
import type { RetentionError } from "../errors.js";
import type { CheckpointStore } from "../store.js";
import type { NodeContext } from "./interrupt.js";

/**
 * A node: reads the state and returns the keys it changes (merged through the reducers), or nothing.
 *
 * @typeParam S - the graph's state shape.
 */
export type NodeFunction<S> = (state: S, context: NodeContext) => Partial<S> | void | Promise<Partial<S> | void>;

/** Picks the next node(s) from the state after a super-step; may return `END`. */
export type Router<S> = (state: S) => string | string[] | Promise<string | string[]>;

/** The seed's checkpoint configuration; every field has an effect. */
export interface CheckpointConfig {
  /** Where checkpoints go. */
  store: CheckpointStore;
  /**
   * `true` (default): a checkpoint is saved, and awaited, after every super-step. `false`: saved at most every
   * `saveInterval` ms, and always when the run finishes, is interrupted or fails.
   */
  autoSave?: boolean;
  /** With `autoSave: false`, the minimum time in milliseconds between two saves (0 or absent: only at the end). */
  saveInterval?: number;
  /**
   * Keep at most this many checkpoints per execution: older ones are pruned after each save. The checkpoint a run
   * resumed from is kept while that run lasts, and the newest is always kept.
   */
  maxCheckpoints?: number;
}

/** Options of `StateGraph.compile`. */
export interface CompileOptions {
  /** Checkpointing; without it the graph runs in memory and cannot be resumed. */
  checkpoint?: CheckpointConfig;
  /** Pause before any of these nodes runs. */
  interruptBefore?: readonly string[];
  /** Pause after any of these nodes has run. */
  interruptAfter?: readonly string[];
  /** Maximum super-steps per `invoke` (default 25). */
  recursionLimit?: number;
}

/** Options of `invoke` and `stream`. */
export interface InvokeOptions {
  /** The execution (thread) to start or resume; a new id is minted when absent. */
  executionId?: string;
  /** Resume (fork) from this checkpoint instead of the execution's latest. */
  checkpointId?: string;
  /** Extra metadata stored with every checkpoint this run writes. */
  metadata?: Record<string, unknown>;
  /** Overrides the compiled `recursionLimit` for this run. */
  recursionLimit?: number;
}

/** A pause that waits for a human (the same record a checkpoint keeps in `tasks.interrupts`). */
export type InterruptInfo = PauseRecord;

/** What `invoke` returns. */
export interface RunResult<S> {
  /** `done` when no node is left to run; `interrupted` when paused for a human. */
  status: "done" | "interrupted";
  /** The state at the end of the run. */
  state: S;
  /** The execution id (minted when none was given). */
  executionId: string;
  /** The latest checkpoint written or resumed from (absent without a store). */
  checkpointId?: string;
  /** Its version. */
  version?: number;
  /** Nodes that would run next (`[]` when done). */
  next: string[];
  /** Pending interrupts (empty when done). */
  interrupts: InterruptInfo[];
  /**
   * Present when a retention pass (`maxCheckpoints`) failed after its checkpoint was committed: the run's steps are
   * all saved; old checkpoints were left in place and the next save prunes again.
   */
  retention?: { errors: RetentionError[] };
}

/** A checkpoint as `getState`/`getStateHistory` show it. */
export interface StateSnapshot<S> {
  /** The state. */
  values: S;
  /** Nodes to run when resuming from here. */
  next: string[];
  /** The execution id. */
  executionId: string;
  /** The checkpoint id. */
  checkpointId: string;
  /** The checkpoint version. */
  version: number;
  /** The checkpoint this one continued from. */
  parentId?: string;
  /** The node that produced it. */
  nodeName: string;
  /** Its metadata (`source`, `step`, …). */
  metadata: CheckpointMetadata;
  /** When it was written. */
  createdAt: Date;
  /** Interrupts pending at this checkpoint. */
  interrupts: InterruptInfo[];
  /** The checkpoint's task results (finished nodes' writes, resume answers, failures of an unfinished step), if any. */
  tasks?: TaskResults;
}

/** Events yielded by `stream`. */
export type StreamEvent<S> =
  | { type: "step"; step: number; nodes: string[]; updates: Record<string, Partial<S>>; state: S }
  | { type: "checkpoint"; checkpointId: string; version: number; parentId?: string; nodeName: string; next: string[] }
  | { type: "interrupt"; interrupts: InterruptInfo[] }
  | { type: "retention"; error: RetentionError }
  | { type: "done"; result: RunResult<S> };

/** Options of `updateState`. */
export interface UpdateStateOptions {
  /** Apply the update as if this node had produced it: `next` becomes that node's successors. */
  asNode?: string;
  /** Edit this checkpoint instead of the latest (a fork: `metadata.source` is `"fork"`). */
  checkpointId?: string;
  /**
   * Makes a retry of this update a no-op once it has landed. Default: a key derived from the values, `asNode` and the
   * checkpoint the edit's chain began from, so retrying the same call after a lost answer does not apply it twice.
   * Give your own (a request id) to apply identical edits more than once, or to recognise a retry across steps.
   */
  idempotencyKey?: string;
}

/** Options of `getStateHistory`. */
export interface HistoryOptions {
  /** At most this many snapshots. */
  limit?: number;
  /** Only versions below this one. */
  beforeVersion?: number;
  /** Only versions above this one. */
  afterVersion?: number;
  /** `"desc"` (default) newest first, or `"asc"`. */
  order?: "asc" | "desc";
}
