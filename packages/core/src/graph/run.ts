import type { Checkpoint, CheckpointMetadata, CheckpointSource } from "../checkpoint.js";
import { INTERRUPT_NODE } from "../checkpoint.js";
import { GraphInterrupt, GraphRecursionError, InvalidArgumentError, LgError, NodeError } from "../errors.js";
import { applyUpdate } from "./channels.js";
import type { RunCheckpointer } from "./checkpointer.js";
import { runWithResumes, interrupt } from "./interrupt.js";
import { nextNodes, orderByGraph } from "./routing.js";
import type { GraphSpec } from "./state-graph.js";
import type { InterruptInfo, RunResult, StreamEvent } from "./types.js";

/** Where a run starts: the state, what runs next, and what is pending from an interrupt. */
export interface RunStart<S> {
  state: S;
  next: string[];
  step: number;
  /** Resume answers per node, in `interrupt()` call order. */
  resumes: Record<string, unknown[]>;
  /** Updates of nodes that finished in an interrupted super-step (not run again). */
  pendingWrites: Record<string, Partial<S>>;
  /**
   * Nodes whose `interruptBefore` pause the base checkpoint records as taken (or that were interrupted inside):
   * the first step runs them without pausing again. Empty for a fresh start.
   */
  passedBefore: readonly string[];
  /** Record an input checkpoint before the first step (with extra metadata, e.g. a still-pending interrupt). */
  inputCheckpoint?: { source: CheckpointSource; nodeName: string; extra?: CheckpointMetadata };
}

/** Settings of one run. */
export interface RunSettings {
  executionId: string;
  interruptBefore: ReadonlySet<string>;
  interruptAfter: ReadonlySet<string>;
  recursionLimit: number;
}

type NodeOutcome<S> =
  | { node: string; kind: "ok"; update: Partial<S> }
  | { node: string; kind: "interrupt"; value: unknown }
  | { node: string; kind: "error"; error: unknown };

/**
 * Executes super-steps until the graph finishes, pauses or fails, yielding stream events. Every checkpoint write is
 * awaited before the next step starts, and before the step's events are handed out. However the run ends —
 * finished, paused, failed, or stopped early by its consumer (a `break` out of `stream`) — progress not yet saved
 * (with `autoSave: false`) is saved, and the saver's protection of the base is released.
 */
export async function* executeRun<S extends object>(
  spec: GraphSpec<S>,
  settings: RunSettings,
  saver: RunCheckpointer<S>,
  start: RunStart<S>,
): AsyncGenerator<StreamEvent<S>, RunResult<S>> {
  let ended = false;
  try {
    const result = yield* runSteps(spec, settings, saver, start);
    ended = true;
    return result;
  } catch (error) {
    ended = true; // a failing run has flushed what it could and reports its own error
    throw error;
  } finally {
    try {
      // A consumer that stops reading ends the run here, between two steps: keep what it was handed (a failing
      // save reaches the consumer through the loop it left).
      if (!ended) await saver.flush();
    } finally {
      await saver.release();
    }
  }
}

async function* runSteps<S extends object>(
  spec: GraphSpec<S>,
  settings: RunSettings,
  saver: RunCheckpointer<S>,
  start: RunStart<S>,
): AsyncGenerator<StreamEvent<S>, RunResult<S>> {
  let { state, next, step, resumes, pendingWrites } = start;
  let passed: ReadonlySet<string> = new Set(start.passedBefore);
  // Nodes the checkpoint last recorded by this run marks as paused before (so a resume skips that pause).
  let marked: ReadonlySet<string> = new Set(start.passedBefore);
  if (start.inputCheckpoint !== undefined) {
    const input = start.inputCheckpoint;
    const upcoming = input.extra?.interrupts === undefined ? beforePauses(settings, next, passed) : [];
    const cp = await saver.record({ ...input, state, next, step, extra: withPauses(input.extra, upcoming) });
    if (input.extra?.interrupts === undefined) marked = new Set(upcoming.map((i) => i.node));
    if (cp !== undefined) yield checkpointEvent(cp);
  }
  let stepsRun = 0;
  for (;;) {
    if (next.length === 0) return yield* finish(saver, settings, state, next, []);
    const paused = beforePauses(settings, next, passed);
    if (paused.length > 0) {
      if (!paused.every((i) => marked.has(i.node))) {
        // The checkpoint the run stands on does not say it paused here (a resume from an edit or from a pause
        // after a node): record one that does — with the pauses already passed, and what an interrupted step left —
        // so that resuming from it continues past all of them.
        const taken = next.filter((node) => passed.has(node)).map((node) => pause(node, "before"));
        const extra: CheckpointMetadata = { interrupts: [...taken, ...paused] };
        if (Object.keys(resumes).length > 0) extra.resumes = resumes;
        if (Object.keys(pendingWrites).length > 0) extra.pendingWrites = pendingWrites;
        const cp = await saver.record({ nodeName: INTERRUPT_NODE, state, next, source: "loop", step, extra });
        if (cp !== undefined) yield checkpointEvent(cp);
      }
      return yield* finish(saver, settings, state, next, paused);
    }
    passed = new Set();
    if (stepsRun >= settings.recursionLimit) {
      await flushQuietly(saver);
      throw new GraphRecursionError(settings.recursionLimit, settings.executionId);
    }
    stepsRun++;
    const ran = next;
    const outcomes = await runStep(spec, settings.executionId, step + 1, state, ran, resumes, pendingWrites);
    const failed = outcomes.find((o): o is Extract<NodeOutcome<S>, { kind: "error" }> => o.kind === "error");
    if (failed !== undefined) {
      await flushQuietly(saver);
      throw new NodeError(failed.node, settings.executionId, failed.error);
    }
    const interrupts = outcomes.filter((o): o is Extract<NodeOutcome<S>, { kind: "interrupt" }> => o.kind === "interrupt");
    if (interrupts.length > 0) {
      const infos = interrupts.map((o): InterruptInfo => ({ node: o.node, when: "inside", value: o.value }));
      const done: Record<string, Partial<S>> = Object.create(null) as Record<string, Partial<S>>;
      for (const o of outcomes) if (o.kind === "ok") done[o.node] = o.update;
      const cp = await saver.record({
        nodeName: INTERRUPT_NODE,
        state,
        next: ran,
        source: "loop",
        step,
        extra: { interrupts: infos, resumes, pendingWrites: done },
      });
      if (cp !== undefined) yield checkpointEvent(cp);
      return yield* finish(saver, settings, state, ran, infos);
    }
    const updates: Record<string, Partial<S>> = Object.create(null) as Record<string, Partial<S>>;
    try {
      // Reducers and routers are user code too: a failure there keeps the progress saved and is typed.
      for (const o of outcomes) {
        if (o.kind !== "ok") continue;
        updates[o.node] = o.update;
        state = applyUpdate(spec.channels, state, o.update);
      }
      next = await nextNodes(spec, ran, state);
    } catch (error) {
      await flushQuietly(saver);
      throw error instanceof LgError ? error : new NodeError(ran.join(","), settings.executionId, error);
    }
    step++;
    resumes = {};
    pendingWrites = {};
    // The pause that follows this checkpoint, if any, is recorded in it: a resume from it continues past the pause.
    // (A pause after the last node still happens: the human sees the final state before the run reports done.)
    const after = ran.filter((node) => settings.interruptAfter.has(node)).map((node) => pause(node, "after"));
    const before = after.length > 0 ? [] : beforePauses(settings, next, passed);
    const cp = await saver.record({
      nodeName: ran.join(","),
      state,
      next,
      source: "loop",
      step,
      extra: withPauses({ nodes: ran }, [...after, ...before]),
    });
    marked = new Set(before.map((i) => i.node));
    yield { type: "step", step, nodes: ran, updates, state };
    if (cp !== undefined) yield checkpointEvent(cp);
    if (after.length > 0) return yield* finish(saver, settings, state, next, after);
  }
}

/** `record[key]` only when it is the record's own entry (node names may be "constructor", "toString" …). */
export function ownValue<V>(record: Record<string, V>, key: string): V | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

function pause(node: string, when: "before" | "after"): InterruptInfo {
  return { node, when, value: undefined };
}

/** The `interruptBefore` pauses due before `next` runs, leaving out nodes whose pause was already taken. */
function beforePauses(settings: RunSettings, next: readonly string[], passed: ReadonlySet<string>): InterruptInfo[] {
  return next.filter((node) => settings.interruptBefore.has(node) && !passed.has(node)).map((node) => pause(node, "before"));
}

function withPauses(extra: CheckpointMetadata | undefined, pauses: InterruptInfo[]): CheckpointMetadata | undefined {
  return pauses.length === 0 ? extra : { ...extra, interrupts: pauses };
}

function checkpointEvent<S>(cp: Checkpoint): StreamEvent<S> {
  const event: StreamEvent<S> = {
    type: "checkpoint",
    checkpointId: cp.id,
    version: cp.version,
    nodeName: cp.nodeName,
    next: [...cp.next],
  };
  if (cp.parentId !== undefined) event.parentId = cp.parentId;
  return event;
}

async function flushQuietly<S>(saver: RunCheckpointer<S>): Promise<void> {
  // The run is already failing: keep its progress if the store allows, but report the original error.
  try {
    await saver.flush();
  } catch {
    /* the original error is more useful to the caller */
  }
}

async function* finish<S>(
  saver: RunCheckpointer<S>,
  settings: RunSettings,
  state: S,
  next: string[],
  interrupts: InterruptInfo[],
): AsyncGenerator<StreamEvent<S>, RunResult<S>> {
  const saved = await saver.flush();
  if (saved !== undefined) yield checkpointEvent(saved);
  const current = saver.current;
  const result: RunResult<S> = {
    status: interrupts.length > 0 ? "interrupted" : "done",
    state,
    executionId: settings.executionId,
    next: [...next],
    interrupts,
  };
  if (current !== undefined) {
    result.checkpointId = current.id;
    result.version = current.version;
  }
  if (interrupts.length > 0) yield { type: "interrupt", interrupts };
  yield { type: "done", result };
  return result;
}

async function runStep<S extends object>(
  spec: GraphSpec<S>,
  executionId: string,
  step: number,
  state: S,
  nodes: readonly string[],
  resumes: Record<string, unknown[]>,
  pendingWrites: Record<string, Partial<S>>,
): Promise<NodeOutcome<S>[]> {
  const runs = orderByGraph(spec, nodes).map(async (node): Promise<NodeOutcome<S>> => {
    const cached = ownValue(pendingWrites, node);
    if (cached !== undefined) return { node, kind: "ok", update: cached };
    const fn = spec.nodes.get(node);
    if (fn === undefined) return { node, kind: "error", error: new Error(`unknown node "${node}"`) };
    try {
      const update = await runWithResumes(ownValue(resumes, node) ?? [], () =>
        fn(state, { node, executionId, step, interrupt }),
      );
      if (update === undefined || update === null) return { node, kind: "ok", update: {} };
      if (typeof update !== "object" || Array.isArray(update)) {
        const got = Array.isArray(update) ? "an array" : typeof update;
        const error = new InvalidArgumentError(`node "${node}" must return an object of state keys (or nothing), got ${got}`);
        return { node, kind: "error", error };
      }
      return { node, kind: "ok", update };
    } catch (error) {
      if (error instanceof GraphInterrupt) return { node, kind: "interrupt", value: error.value };
      return { node, kind: "error", error };
    }
  });
  return Promise.all(runs);
}
