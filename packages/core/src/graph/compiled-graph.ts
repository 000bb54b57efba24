import type { Checkpoint } from "../checkpoint.js";
import { INPUT_NODE, UPDATE_NODE } from "../checkpoint.js";
import { CheckpointNotFoundError, InvalidArgumentError } from "../errors.js";
import { createExecutionId } from "../ids.js";
import type { CheckpointStore } from "../store.js";
import type { LeaseFence } from "../registry.js";
import { traced } from "../tracing.js";
import { assertNonEmptyString } from "../validate.js";
import { applyUpdate, initialState } from "./channels.js";
import { RunCheckpointer } from "./checkpointer.js";
import { isCommand, type Command } from "./command.js";
import { executeRun, type RunEvent, type RunSettings, type RunStart } from "./run.js";
import { parseStreamModes, toStreamEvent, toStreamParts } from "./stream-modes.js";
import { entryStep, stepNodes } from "./routing.js";
import { editState, pendingTaskIds } from "./edit.js";
import { saveEdit } from "./edit-save.js";
import { answersByNode, assertOptionsObject, assertStateUpdate, stepOf, userCode, userMetadata } from "./inputs.js";
import { toSnapshot } from "./snapshot.js";
import { SUBGRAPH_SEPARATOR, subgraphExecutionId } from "./subgraph.js";
import {
  anchorOf,
  checkCallerKey,
  nodeRecord,
  noProgress,
  ownValue,
  pausesOf,
  pendingStepOf,
  progressOf,
  stepTasks,
  stepUnderWay,
  updateKey,
  updateLanded,
} from "./tasks.js";
import { shapeOf, type GraphShape } from "./shape.js";
import type { GraphSpec } from "./state-graph.js";
import type {
  CompileOptions,
  GetStateOptions,
  HistoryOptions,
  InvokeOptions,
  RunResult,
  StateSnapshot,
  StreamEvent,
  StreamMode,
  StreamOptions,
  StreamPart,
  StreamPartOf,
  UpdateStateOptions,
} from "./types.js";

const DEFAULT_RECURSION_LIMIT = 25;

/** Input of `invoke`/`stream`: new input (merged into the state), `null` to resume, or a {@link Command}. */
export type GraphInput<S> = Partial<S> | Command<S> | null;

// Shared by every copy of this module (the ESM and the CommonJS build may both be loaded in one process).
const COMPILED_GRAPH_BRAND = Symbol.for("@lg/core/CompiledGraph");

/** Whether `value` is a compiled graph, also one made by another copy of `@lg/core` in the process. */
export function isCompiledGraph<S extends object>(value: unknown): value is CompiledGraph<S> {
  return typeof value === "object" && value !== null && COMPILED_GRAPH_BRAND in value;
}

/**
 * A runnable graph returned by `StateGraph.compile`. Runs super-steps, writes (and awaits) a checkpoint after each
 * one, resumes, pauses for humans and travels in time.
 *
 * @typeParam S - the state shape.
 */
export class CompiledGraph<S extends object> {
  /** Marks compiled graphs from any copy of `@lg/core` (see {@link isCompiledGraph}). */
  readonly [COMPILED_GRAPH_BRAND] = true;

  /** Creates the runnable graph; use `StateGraph.compile` instead of calling this. */
  constructor(
    private readonly spec: GraphSpec<S>,
    private readonly options: CompileOptions,
  ) {}

  /** The graph's name (`compile({ name })`): what workers and submissions know it by; `undefined` when not named. */
  get name(): string | undefined {
    return this.options.name;
  }

  /** The graph's version (`compile({ version })`, default `"1"`): a worker claims only executions started on it. */
  get version(): string {
    return this.options.version ?? "1";
  }

  /** The checkpoint store the graph was compiled with, if any. */
  get store(): CheckpointStore | undefined {
    return this.options.checkpoint?.store;
  }

  /**
   * Runs the graph until it finishes or pauses and returns the result.
   *
   * - `input` an object: starts the execution (or continues a finished one with new input merged into its state).
   * - `input` `null` or a `Command`: resumes from the execution's latest checkpoint, or from `checkpointId` (a fork).
   */
  async invoke(input: GraphInput<S>, options: InvokeOptions = {}): Promise<RunResult<S>> {
    const events = this.run(input, options);
    for (;;) {
      const item = await events.next();
      if (item.done === true) return item.value;
    }
  }

  /**
   * Like {@link invoke}, yielding an event per super-step, per checkpoint written, per retention failure, and at the
   * end. With `streamMode` it yields stream parts instead (see {@link StreamPart}): one mode, or several at once.
   */
  stream(input: GraphInput<S>, options?: InvokeOptions): AsyncGenerator<StreamEvent<S>, RunResult<S>>;
  stream<M extends StreamMode>(
    input: GraphInput<S>,
    options: StreamOptions<M>,
  ): AsyncGenerator<StreamPartOf<S, M>, RunResult<S>>;
  async *stream(
    input: GraphInput<S>,
    options: InvokeOptions & { streamMode?: StreamMode | readonly StreamMode[] } = {},
  ): AsyncGenerator<StreamEvent<S> | StreamPart<S>, RunResult<S>> {
    assertOptionsObject("stream", options);
    const modes = options.streamMode === undefined ? undefined : parseStreamModes(options.streamMode);
    const events = this.run(input, options, modes);
    let item = await events.next();
    try {
      while (item.done !== true) {
        if (modes === undefined) {
          const event = toStreamEvent(item.value);
          if (event !== undefined) yield event;
        } else {
          for (const part of toStreamParts(item.value, modes)) yield part;
        }
        item = await events.next();
      }
      return item.value;
    } finally {
      // A consumer that stops reading stops the run too (it saves what it held and lets go of running nodes).
      if (item.done !== true) await events.return(undefined as never);
    }
  }

  private async *run(
    input: GraphInput<S>,
    options: InvokeOptions,
    modes?: ReadonlySet<StreamMode>,
  ): AsyncGenerator<RunEvent<S>, RunResult<S>> {
    assertOptionsObject("invoke", options);
    const executionId = options.executionId ?? createExecutionId();
    assertNonEmptyString("executionId", executionId);
    if (options.checkpointId !== undefined) assertNonEmptyString("checkpointId", options.checkpointId);
    const recursionLimit = options.recursionLimit ?? this.options.recursionLimit ?? DEFAULT_RECURSION_LIMIT;
    if (!Number.isSafeInteger(recursionLimit) || recursionLimit < 1) {
      throw new InvalidArgumentError(`recursionLimit must be a positive integer, got ${String(recursionLimit)}`);
    }
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal))
      throw new InvalidArgumentError("signal must be an AbortSignal");
    const stopSignal = options.stopSignal;
    if (stopSignal !== undefined && !(stopSignal instanceof AbortSignal))
      throw new InvalidArgumentError("stopSignal must be an AbortSignal");
    const saver = new RunCheckpointer<S>(
      this.options.checkpoint,
      executionId,
      userMetadata(options.metadata),
      this.spec.channels,
    );
    if (options.lease !== undefined) saver.lease = this.checkLease(options.lease, executionId);
    const start =
      input === null || isCommand<S>(input)
        ? await this.resumeStart(saver, executionId, input, options.checkpointId)
        : await this.freshStart(saver, executionId, input, options);
    const settings: RunSettings = {
      executionId,
      interruptBefore: this.pauseSet(this.options.interruptBefore),
      interruptAfter: this.pauseSet(this.options.interruptAfter),
      recursionLimit,
      signal,
      stopSignal,
      live: {
        values: modes?.has("values") === true,
        tasks: modes?.has("tasks") === true,
        custom: modes?.has("custom") === true,
      },
    };
    return yield* executeRun(this.spec, settings, saver, start);
  }

  /**
   * A lease given to `invoke` must be on this execution (or, for a subgraph's run, on its parent), for a store that
   * has a registry (which fences every save by the record of the lease's execution).
   */
  private checkLease(lease: LeaseFence, executionId: string): LeaseFence {
    const store = this.requireStore("invoke with a lease");
    if (store.registry === undefined)
      throw new InvalidArgumentError("invoke with a lease needs a store with an execution registry");
    // A subgraph's run goes under its parent's lease: its execution id begins with the parent's.
    const own =
      lease !== null &&
      typeof lease === "object" &&
      typeof lease.executionId === "string" &&
      (lease.executionId === executionId || executionId.startsWith(`${lease.executionId}${SUBGRAPH_SEPARATOR}`));
    if (!own) throw new InvalidArgumentError(`the lease given to invoke is not on execution "${executionId}"`);
    assertNonEmptyString("lease token", lease.token);
    return { executionId: lease.executionId, token: lease.token };
  }

  private pauseSet(nodes: readonly string[] | "*" | undefined): ReadonlySet<string> {
    return new Set(nodes === "*" ? this.spec.nodes.keys() : (nodes ?? []));
  }

  /**
   * Runs the graph like {@link invoke} with its checkpoints in `store` instead of its own (the same settings
   * otherwise): how a subgraph runs in its parent's store.
   */
  async runOn(store: CheckpointStore, input: GraphInput<S>, options: InvokeOptions = {}): Promise<RunResult<S>> {
    const checkpoint = { ...this.options.checkpoint, store };
    return new CompiledGraph(this.spec, { ...this.options, checkpoint }).invoke(input, options);
  }

  /** The graph's nodes and edges, for drawing it (nothing runs). */
  getGraph(): GraphShape {
    return shapeOf(this.spec);
  }

  /** The execution's latest checkpoint (or `checkpointId`) as a snapshot; `undefined` when it has none. */
  async getState(
    executionId: string,
    checkpointId?: string,
    options: GetStateOptions = {},
  ): Promise<StateSnapshot<S> | undefined> {
    assertOptionsObject("getState", options);
    const store = this.requireStore("getState");
    const cp =
      checkpointId === undefined
        ? await this.latestOf(store, executionId)
        : await this.loadOwn(store, executionId, checkpointId);
    if (cp === undefined) return undefined;
    return options.subgraphs === true ? this.withSubgraphs(store, cp) : toSnapshot<S>(cp);
  }

  /** The execution's checkpoints as snapshots, newest first unless `order: "asc"`. */
  async getStateHistory(executionId: string, options: HistoryOptions = {}): Promise<StateSnapshot<S>[]> {
    assertOptionsObject("getStateHistory", options);
    const store = this.requireStore("getStateHistory");
    const { subgraphs, ...listOptions } = options;
    const read = () => store.list(executionId, { ...listOptions, order: options.order ?? "desc" });
    const list = await traced("load", () => ({ operation: "list", executionId }), read);
    if (subgraphs !== true) return list.map((cp) => toSnapshot<S>(cp));
    return Promise.all(list.map((cp) => this.withSubgraphs(store, cp)));
  }

  /** A snapshot with the latest state of each subgraph its next step runs (those whose run has begun). */
  private async withSubgraphs(store: CheckpointStore, cp: Checkpoint): Promise<StateSnapshot<S>> {
    const snapshot = toSnapshot<S>(cp);
    const found: Record<string, StateSnapshot<unknown>> = {};
    const pending = pendingStepOf(cp);
    for (const task of stepTasks(pending).filter((t) => this.spec.subgraphs.has(t.node))) {
      const child = await store.latest(subgraphExecutionId(cp.executionId, task.id, anchorOf(cp), stepOf(cp) + 1));
      if (child !== undefined) found[task.id] = toSnapshot<unknown>(child);
    }
    if (Object.keys(found).length > 0) snapshot.subgraphs = found;
    return snapshot;
  }

  /**
   * Writes a new checkpoint whose state is the latest (or `checkpointId`'s) state with `values` merged through the
   * reducers — a human edit (`metadata.source: "update"`) or, from an older checkpoint, a fork (`"fork"`). Its
   * version is the execution's next one and its `parentId` the edited checkpoint. With `asNode`, `next` becomes
   * that node's successors; otherwise it stays the edited checkpoint's `next` (and a pause it recorded, so that
   * resuming continues past it). Applies `maxCheckpoints` like a run does.
   */
  async updateState(
    executionId: string,
    values: Partial<S>,
    options: UpdateStateOptions = {},
  ): Promise<StateSnapshot<S>> {
    assertOptionsObject("updateState", options);
    const store = this.requireStore("updateState");
    assertNonEmptyString("executionId", executionId);
    assertStateUpdate("updateState values", values);
    const { latest, base } = await this.startingPoint(store, executionId, options.checkpointId);
    if (base === undefined || latest === undefined) throw new CheckpointNotFoundError({ executionId });
    const asNode = options.asNode;
    if (asNode !== undefined && !this.spec.nodes.has(asNode) && !pendingTaskIds(base).includes(asNode)) {
      throw new InvalidArgumentError(`updateState asNode names unknown node "${asNode}"`);
    }
    const key = updateKey(options.idempotencyKey, base, { values, asNode: asNode ?? null });
    // A retry of an edit that already landed (its answer was lost) changes nothing: it returns what the edit wrote.
    if (updateLanded(key, latest)) return toSnapshot<S>(latest);
    if (updateLanded(key, base)) return toSnapshot<S>(base);
    const { state, plan } = await userCode(UPDATE_NODE, executionId, () => editState(this.spec, base, values, asNode));
    // Without asNode the edit keeps the step the base waits in: its pauses and what its tasks did.
    const carried = asNode === undefined ? { pauses: pausesOf(base), progress: progressOf<S>(base), plan } : { plan };
    const cp = await saveEdit<S>({
      config: { ...this.options.checkpoint, store },
      channels: this.spec.channels,
      executionId,
      base,
      latest,
      state,
      next: stepNodes(this.spec, plan),
      asNode,
      carried,
      key,
    });
    return toSnapshot<S>(cp as Checkpoint);
  }

  private requireStore(operation: string): CheckpointStore {
    const store = this.options.checkpoint?.store;
    if (store === undefined) {
      throw new InvalidArgumentError(`${operation} needs a checkpoint store: compile({ checkpoint: { store } })`);
    }
    return store;
  }

  /**
   * The execution's latest checkpoint (whose version the next save continues), and the checkpoint to start from:
   * `checkpointId`'s (a fork; `CheckpointNotFoundError` unless it belongs to the execution) or the latest.
   */
  private async startingPoint(
    store: CheckpointStore,
    executionId: string,
    checkpointId: string | undefined,
  ): Promise<{ latest: Checkpoint | undefined; base: Checkpoint | undefined }> {
    const latest = await this.latestOf(store, executionId);
    const base = checkpointId === undefined ? latest : await this.loadOwn(store, executionId, checkpointId);
    return { latest, base };
  }

  private latestOf(store: CheckpointStore, executionId: string): Promise<Checkpoint | undefined> {
    return traced(
      "load",
      () => ({ operation: "latest", executionId }),
      () => store.latest(executionId),
    );
  }

  private async loadOwn(store: CheckpointStore, executionId: string, checkpointId: string): Promise<Checkpoint> {
    const cp = await traced(
      "load",
      () => ({ operation: "load", executionId, checkpointId }),
      () => store.load(checkpointId),
    );
    if (cp === undefined || cp.executionId !== executionId)
      throw new CheckpointNotFoundError({ checkpointId, executionId });
    return cp;
  }

  /**
   * New input: merged into the execution's latest state (a new execution starts from the channel defaults), or
   * into `checkpointId`'s state — a fork that continues from that checkpoint with the input.
   */
  private async freshStart(
    saver: RunCheckpointer<S>,
    executionId: string,
    input: Partial<S>,
    options: InvokeOptions,
  ): Promise<RunStart<S>> {
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      throw new InvalidArgumentError("invoke input must be a state object, null (resume) or a Command");
    }
    const { checkpointId, idempotencyKey } = options;
    if (idempotencyKey !== undefined) checkCallerKey(idempotencyKey);
    const store =
      checkpointId === undefined && idempotencyKey === undefined
        ? saver.store
        : this.requireStore("invoke with a checkpointId or an idempotencyKey");
    const { latest, base: previous } =
      store === undefined
        ? { latest: undefined, base: undefined }
        : await this.startingPoint(store, executionId, checkpointId);
    // The input of a retried call already landed: carry on from where the execution got to instead of merging it again.
    if (idempotencyKey !== undefined && updateLanded(idempotencyKey, latest))
      return this.resumeStart(saver, executionId, null, undefined);
    saver.startFrom(previous, latest);
    const base = previous === undefined ? initialState(this.spec.channels) : (previous.state as S);
    const state = await userCode(INPUT_NODE, executionId, () => applyUpdate(this.spec.channels, base, input));
    const step = previous === undefined ? 0 : stepOf(previous) + 1;
    return {
      state,
      plan: await userCode(INPUT_NODE, executionId, () => entryStep(this.spec, state)),
      step,
      progress: noProgress(),
      baseResumes: nodeRecord(),
      basePauses: [],
      passedBefore: [],
      inputCheckpoint: {
        source: "input",
        nodeName: INPUT_NODE,
        ...(idempotencyKey === undefined ? {} : { updateKey: idempotencyKey }),
      },
    };
  }

  private async resumeStart(
    saver: RunCheckpointer<S>,
    executionId: string,
    command: Command<S> | null,
    checkpointId: string | undefined,
  ): Promise<RunStart<S>> {
    if ((command?.goto ?? []).length > 0) {
      throw new InvalidArgumentError(
        "Command goto routes from inside a node (return it from the node); it is not invoke input",
      );
    }
    const found = await this.startingPoint(this.requireStore("resuming"), executionId, checkpointId);
    const latest = found.latest;
    let base = found.base;
    if (base === undefined || latest === undefined) throw new CheckpointNotFoundError({ executionId });
    const update = command?.update;
    if (update !== undefined) assertStateUpdate("Command update", update);
    const key = update === undefined ? undefined : updateKey(command?.idempotencyKey, base, { values: update });
    // A retried command whose update landed on a fork it made: continue that fork from its tip, not fork again.
    if (key !== undefined && base.id !== latest.id && !updateLanded(key, base) && updateLanded(key, latest))
      base = latest;
    saver.startFrom(base, latest);
    const pauses = pausesOf(base);
    const asked = pauses.filter((i) => i.when === "inside");
    const baseProgress = progressOf<S>(base);
    const progress = progressOf<S>(base);
    if (command?.hasResume === true) {
      for (const [node, answer] of answersByNode(executionId, base.id, asked, command.resume)) {
        progress.resumes[node] = [...(ownValue(progress.resumes, node) ?? []), answer];
      }
    }
    const start: RunStart<S> = {
      state: base.state as S,
      plan: pendingStepOf(base),
      step: stepOf(base),
      progress,
      baseResumes: baseProgress.resumes,
      basePauses: asked,
      passedBefore: stepUnderWay(base) ? [...base.next] : pauses.filter((i) => i.when === "before").map((i) => i.node),
    };
    if (update === undefined || key === undefined) return start;
    // The update of a retried command that already landed is not applied again; its resume answer still is.
    if (updateLanded(key, base)) return start;
    const edited = base.state as S;
    start.state = await userCode(UPDATE_NODE, executionId, () => applyUpdate(this.spec.channels, edited, update));
    // A Command's update is a human edit: it is recorded as its own checkpoint before the run continues. It keeps
    // the pending pauses and what the step's nodes did, so a resume that fails after it can be answered again.
    start.inputCheckpoint = {
      source: "update",
      nodeName: UPDATE_NODE,
      carried: { pauses, progress: baseProgress },
      updateKey: key,
    };
    return start;
  }
}
