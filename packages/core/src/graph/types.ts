import type { CheckpointMetadata, PauseRecord, TaskResults } from "../checkpoint.js";
import type { RetentionError } from "../errors.js";
import type { CheckpointStore } from "../store.js";
import type { LeaseFence } from "../registry.js";
import type { Command } from "./command.js";
import type { NodeContext } from "./interrupt.js";
import type { RetryPolicy } from "./retry.js";
import type { Destination } from "./send.js";

/**
 * A node: reads the state and returns the keys it changes (merged through the reducers), or nothing.
 *
 * @typeParam S - the graph's state shape.
 */
export type NodeFunction<S> = (state: S, context: NodeContext) => NodeResult<S> | Promise<NodeResult<S>>;

/**
 * What a node returns: the state keys it changes, nothing, or a `Command({ update, goto })` that also names the
 * node(s) to run next (besides the node's edges).
 */
export type NodeResult<S> = Partial<S> | Command<S> | void;

/** Per-node options of `addNode(name, fn, options)`. */
export interface NodeOptions {
  /** Run the node again when it throws (overrides the graph's `retry`). */
  retry?: RetryPolicy;
  /**
   * Milliseconds the node may run (overrides the graph's `nodeTimeoutMs`). Past it, `context.signal` is aborted and
   * the attempt fails with `NodeTimeoutError` (retried under a retry policy).
   */
  timeoutMs?: number;
}

/** Picks the next node(s) from the state after a super-step; may return `END`. */
export type Router<S> = (state: S) => RouterResult | Promise<RouterResult>;

/** What a router returns: a node name, `END`, a `send(node, input)`, or several of them. */
export type RouterResult = Destination | readonly Destination[];

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
  /** The graph's name: what `submit` records and a worker (`createWorker({ graphs })`) serves it by. */
  name?: string;
  /**
   * The graph's version (default `"1"`): an execution records the version it started on and a worker claims only the
   * versions it serves, so a deploy that changes the graph does not resume old executions on it by accident.
   */
  version?: string;
  /** Checkpointing; without it the graph runs in memory and cannot be resumed. */
  checkpoint?: CheckpointConfig;
  /** Pause before any of these nodes runs; `"*"`: before every node. */
  interruptBefore?: readonly string[] | "*";
  /** Pause after any of these nodes has run; `"*"`: after every node. */
  interruptAfter?: readonly string[] | "*";
  /** Retry policy of every node without its own. */
  retry?: RetryPolicy;
  /** Timeout of every node without its own `timeoutMs`, in milliseconds. */
  nodeTimeoutMs?: number;
  /** Most tasks one step may start with `send()` (default 1,000); more fails the run with `InvalidGraphError`. */
  maxFanOut?: number;
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
  /**
   * Makes new input exactly-once: a retry of an `invoke(input, { idempotencyKey })` whose input already landed (its
   * answer was lost) does not merge the input again; it continues the execution from its latest checkpoint instead.
   * Give a request id; without it, each `invoke(input)` is a new turn.
   */
  idempotencyKey?: string;
  /**
   * The worker's lease the run is made under: every checkpoint it saves is fenced by it (refused with
   * `LeaseLostError` once another worker took the execution over). Set by workers (`createWorker`); needs a store with
   * an execution registry.
   */
  lease?: LeaseFence;
  /**
   * Ends the run once the step under way is committed (no new step starts): the run rejects with
   * `RunCancelledError` and the execution resumes later from that step's checkpoint. Workers use it to stop on
   * SIGTERM without losing a step.
   */
  stopSignal?: AbortSignal;
  /**
   * Cancels the run: between steps, or during one (nodes see it as `context.signal`). The run then rejects with
   * `RunCancelledError`; no partial step is saved and the execution resumes later from its last checkpoint.
   */
  signal?: AbortSignal;
}

/** What `stream` can report: see {@link StreamPart}. */
export type StreamMode = "values" | "updates" | "checkpoints" | "tasks" | "custom";

/** Options of `stream` with a `streamMode`. */
export interface StreamOptions<M extends StreamMode> extends InvokeOptions {
  /** One mode or several; each part says which it belongs to (`part.mode`). */
  streamMode: M | readonly M[];
}

/**
 * One part of a `stream` with `streamMode`:
 * - `values`: the whole state where the run starts and after every step.
 * - `updates`: each node's update after its step was saved.
 * - `checkpoints`: every checkpoint written, as a snapshot.
 * - `tasks`: each node attempt's start and result, live (a node's result comes before its step is saved).
 * - `custom`: what nodes emit with `context.emit(value)` (tokens, progress), live while the node runs.
 */
export type StreamPart<S> =
  | { mode: "values"; step: number; values: S }
  | { mode: "updates"; step: number; node: string; task?: string; update: Partial<S> }
  | { mode: "checkpoints"; snapshot: StateSnapshot<S> }
  | ({ mode: "tasks" } & TaskStart)
  | ({ mode: "tasks" } & TaskFinish<S>)
  | ({ mode: "custom" } & CustomValue);

/** A node attempt has started. */
export interface TaskStart {
  /** Marks the start of an attempt. */
  event: "start";
  /** The super-step it runs in. */
  step: number;
  /** The node. */
  node: string;
  /** For a task started by `send()`: its label `node#index`. */
  task?: string;
  /** 1, 2, 3 … under a retry policy. */
  attempt: number;
}

/** A node attempt has ended: `done` with `update`, `interrupted` with `value`, or `failed` with `error`. */
export interface TaskFinish<S> {
  /** Marks the end of an attempt. */
  event: "result";
  /** The super-step it ran in. */
  step: number;
  /** The node. */
  node: string;
  /** For a task started by `send()`: its label `node#index`. */
  task?: string;
  /** 1, 2, 3 … under a retry policy (a failed attempt may be followed by another). */
  attempt: number;
  /** How the attempt ended. */
  outcome: "done" | "interrupted" | "failed";
  /** The node's update, when it finished. */
  update?: Partial<S>;
  /** The `interrupt()` value, when it paused. */
  value?: unknown;
  /** The error, when it failed. */
  error?: unknown;
}

/** A value a node sent with `context.emit(value)`. */
export interface CustomValue {
  /** The super-step the node runs in. */
  step: number;
  /** The node that sent it. */
  node: string;
  /** The attempt that sent it (a timed-out attempt that goes on emitting is told apart from its retry). */
  attempt: number;
  /** For a task started by `send()`: its label `node#index`. */
  task?: string;
  /** What it sent. */
  value: unknown;
}

/** The parts a stream with modes `M` yields. */
export type StreamPartOf<S, M extends StreamMode> = Extract<StreamPart<S>, { mode: M }>;

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
  /**
   * With `{ subgraphs: true }`: the latest state of each subgraph task of the next step whose run has begun (paused
   * inside, or stopped by a crash), by task (the node's name, or `node#index` for a send).
   */
  subgraphs?: Record<string, StateSnapshot<unknown>>;
}

/** Options of `getState`. */
export interface GetStateOptions {
  /** Also show the state of the subgraphs the checkpoint's next step runs (`StateSnapshot.subgraphs`). */
  subgraphs?: boolean;
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
  /** Also show each snapshot's subgraph states (see `GetStateOptions.subgraphs`). */
  subgraphs?: boolean;
}
