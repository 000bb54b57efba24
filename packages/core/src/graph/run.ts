import type { Checkpoint, CheckpointSource, PauseRecord } from "../checkpoint.js";
import { ERROR_NODE, INTERRUPT_NODE } from "../checkpoint.js";
import { GraphRecursionError, isLgError, messageOf, NodeError, RetentionError, RunCancelledError } from "../errors.js";
import { applyUpdate } from "./channels.js";
import type { PendingCheckpoint, RunCheckpointer } from "./checkpointer.js";
import type { NodeOutcome, TaskEvent } from "./node-runner.js";
import { nextStep, orderTasks, stepNodes, type NextStep } from "./routing.js";
import type { GraphSpec } from "./state-graph.js";
import type { Destination } from "./send.js";
import { noProgress, nodeRecord, ownValue, stepTasks, type StepProgress } from "./tasks.js";
import { runStepLive, type LiveEvents } from "./step-runner.js";
import type { StepEffects } from "./effects.js";
import { stepEffects } from "./step-effects.js";
import { LoopTurns } from "./loop-turns.js";
import type { InterruptInfo, RunResult } from "./types.js";

/**
 * What a run reports as it goes: the public stream events (`step`, `interrupt`, `retention`, `done`), the
 * checkpoints written, the state where the run starts (`values`), and live task and custom events. `stream` turns
 * them into its public events or, with `streamMode`, into stream parts.
 */
export type RunEvent<S> =
  | {
      type: "step";
      step: number;
      /** The step's tasks: node names, and `node#index` for sends. */
      nodes: string[];
      updates: Record<string, Partial<S>>;
      state: S;
      /** The node of each task that is a send (by label). */
      sent: Record<string, string>;
    }
  | { type: "checkpoint"; checkpoint: Checkpoint }
  | { type: "interrupt"; interrupts: InterruptInfo[] }
  | { type: "retention"; error: RetentionError }
  | { type: "done"; result: RunResult<S> }
  | { type: "values"; step: number; state: S }
  | TaskEvent<S>;

/** Where a run starts: the state, what runs next, and what is pending from an unfinished step. */
export interface RunStart<S> {
  state: S;
  /** The step to run first: its static nodes and its sends. */
  plan: NextStep;
  step: number;
  /** What the nodes of the unfinished step did so far (with the resume answers given now merged in). */
  progress: StepProgress<S>;
  /**
   * The base's resume answers before this run added any: what a node that fails again keeps, so its human is asked
   * again rather than handed the answer that preceded the failure.
   */
  baseResumes: Record<string, unknown[]>;
  /** Pauses inside nodes pending at the base: a node of them that fails keeps its pause pending. */
  basePauses: readonly PauseRecord[];
  /**
   * Nodes whose `interruptBefore` pause the base checkpoint records as taken (or that were interrupted inside):
   * the first step runs them without pausing again. Empty for a fresh start.
   */
  passedBefore: readonly string[];
  /** Record a checkpoint before the first step (the input, or a Command's update). */
  inputCheckpoint?: {
    source: CheckpointSource;
    nodeName: string;
    /** The base's pending pauses and progress, kept by an update so a failing resume can be answered again. */
    carried?: { pauses: readonly PauseRecord[]; progress: StepProgress<S> };
    /** The idempotency key of the update the checkpoint applies. */
    updateKey?: string;
  };
}

/** Settings of one run. */
export interface RunSettings {
  executionId: string;
  interruptBefore: ReadonlySet<string>;
  interruptAfter: ReadonlySet<string>;
  recursionLimit: number;
  /** The caller's signal, if any: cancelling it cancels the run with `RunCancelledError`. */
  signal: AbortSignal | undefined;
  /** Ends the run before its next step (the one under way is committed first), with `RunCancelledError`. */
  stopSignal?: AbortSignal | undefined;
  /** The events only a `stream` with modes asks for: values, live task and custom events. */
  live: LiveEvents & { values: boolean };
}

/**
 * Executes super-steps until the graph finishes, pauses or fails, yielding run events. Every checkpoint write is
 * awaited before the next step starts, and before the step's events are handed out (only live task and custom events
 * come while a step runs). However the run ends — finished, paused, failed, cancelled, or stopped early by its
 * consumer (a `break` out of `stream`) — progress not yet saved (with `autoSave: false`) is saved, nodes still running
 * see their signal aborted, and the run's last retention pass runs.
 */
export async function* executeRun<S extends object>(
  spec: GraphSpec<S>,
  settings: RunSettings,
  saver: RunCheckpointer<S>,
  start: RunStart<S>,
): AsyncGenerator<RunEvent<S>, RunResult<S>> {
  let ended = false;
  const stop = new AbortController();
  const onCancel = (): void => stop.abort(settings.signal?.reason);
  settings.signal?.addEventListener("abort", onCancel, { once: true });
  if (settings.signal?.aborted === true) onCancel();
  try {
    const result = yield* runSteps(spec, settings, saver, start, stop.signal);
    ended = true;
    return result;
  } catch (error) {
    ended = true; // a failing run has flushed what it could and reports its own error
    throw error;
  } finally {
    settings.signal?.removeEventListener("abort", onCancel);
    if (!stop.signal.aborted) stop.abort(new Error("the run ended"));
    try {
      // A consumer that stops reading ends the run here: keep what it was handed (a failing save reaches the consumer
      // through the loop it left). A step under way is not committed.
      if (!ended) await saver.flush();
    } finally {
      await saver.finishRetention();
    }
  }
}

async function* runSteps<S extends object>(
  spec: GraphSpec<S>,
  settings: RunSettings,
  saver: RunCheckpointer<S>,
  start: RunStart<S>,
  runSignal: AbortSignal,
): AsyncGenerator<RunEvent<S>, RunResult<S>> {
  let { state, plan, step, progress } = start;
  const turns = new LoopTurns();
  // What the base left pending applies to the first step only.
  let baseResumes = start.baseResumes;
  let basePauses = start.basePauses;
  let passed: ReadonlySet<string> = new Set(start.passedBefore);
  // Nodes the checkpoint last recorded by this run marks as paused before (so a resume skips that pause).
  let marked: ReadonlySet<string> = new Set(start.passedBefore);
  if (start.inputCheckpoint !== undefined) {
    const input = start.inputCheckpoint;
    const upcoming = input.carried === undefined ? beforePauses(settings, stepNodes(spec, plan), passed) : [];
    yield* record(saver, {
      nodeName: input.nodeName,
      source: input.source,
      state,
      next: stepNodes(spec, plan),
      plan,
      step,
      pauses: input.carried?.pauses ?? upcoming,
      progress: input.carried?.progress,
      completesStep: input.carried === undefined,
      updateKey: input.updateKey,
    });
    if (input.carried === undefined) marked = new Set(upcoming.map((i) => i.node));
  }
  if (settings.live.values) yield { type: "values", step, state };
  let stepsRun = 0;
  for (;;) {
    const nodes = stepNodes(spec, plan);
    if (nodes.length === 0) return yield* finish(saver, settings, state, nodes, []);
    const paused = beforePauses(settings, nodes, passed);
    if (paused.length > 0) {
      if (!paused.every((i) => marked.has(i.node))) {
        // The checkpoint the run stands on does not say it paused here (a resume from an edit or from a pause
        // after a node): record one that does — with the pauses already passed, and what an unfinished step left —
        // so that resuming from it continues past all of them.
        const taken = nodes.filter((node) => passed.has(node)).map((node) => pause(node, "before"));
        yield* record(saver, pauseCheckpoint(state, nodes, plan, step, [...taken, ...paused], progress));
      }
      return yield* finish(saver, settings, state, nodes, paused);
    }
    passed = new Set();
    await turns.between();
    if (runSignal.aborted) {
      await saver.flush(); // completed steps only: a cancelled run commits no partial step
      throw cancelled(settings, saver, runSignal);
    }
    const stop = settings.stopSignal;
    if (stop?.aborted === true) {
      await saver.flush();
      throw new RunCancelledError(settings.executionId, saver.current?.id, stop.reason);
    }
    if (stepsRun >= settings.recursionLimit) {
      await flushQuietly(saver);
      throw new GraphRecursionError(settings.recursionLimit, settings.executionId);
    }
    stepsRun++;
    const tasks = orderTasks(spec, stepTasks(plan));
    const where = {
      executionId: settings.executionId,
      step: step + 1,
      stepId: saver.anchorId,
      live: settings.live,
      cancellable: settings.signal !== undefined,
      ...(saver.lease === undefined ? {} : { lease: saver.lease }),
    };
    const effects = stepEffects(saver, { state, nodes, plan, step, progress });
    let outcomes: NodeOutcome<S>[];
    try {
      outcomes = yield* runStepLive(spec, where, state, tasks, progress, runSignal, effects);
    } finally {
      await effects.close();
    }
    if (runSignal.aborted) {
      await flushQuietly(saver); // the steps completed before it are kept; the one under way is not
      throw cancelled(settings, saver, runSignal);
    }
    const done = nodeRecord<Partial<S>>();
    const gotos = nodeRecord<Destination[]>();
    for (const o of outcomes) {
      if (o.kind !== "ok") continue;
      done[o.id] = o.update;
      if (o.goto.length > 0) gotos[o.id] = o.goto;
    }
    const interrupts = outcomes.filter(
      (o): o is Extract<NodeOutcome<S>, { kind: "interrupt" }> => o.kind === "interrupt",
    );
    const infos = interrupts.map((o): InterruptInfo => insidePause(o));
    const failed = outcomes.filter((o): o is Extract<NodeOutcome<S>, { kind: "error" }> => o.kind === "error");
    if (failed.length > 0) {
      yield* keepFailedStep(saver, {
        effects,
        state,
        nodes,
        plan,
        step,
        outcomes,
        done,
        gotos,
        infos,
        failed,
        progress,
        baseResumes,
        basePauses,
      });
      const first = failed[0] as Extract<NodeOutcome<S>, { kind: "error" }>;
      throw new NodeError(first.id, settings.executionId, first.error, first.attempts);
    }
    if (interrupts.length > 0) {
      const steps = effects.all;
      yield* record(
        saver,
        pauseCheckpoint(state, nodes, plan, step, infos, { writes: done, resumes: progress.resumes, gotos, steps }),
      );
      return yield* finish(saver, settings, state, nodes, infos);
    }
    const updates = nodeRecord<Partial<S>>();
    try {
      // Reducers and routers are user code too: a failure there keeps the progress saved and is typed.
      for (const o of outcomes) {
        if (o.kind !== "ok") continue;
        updates[o.id] = o.update;
        state = applyUpdate(spec.channels, state, o.update);
      }
      plan = await nextStep(
        spec,
        nodes,
        state,
        outcomes.flatMap((o) => (o.kind === "ok" ? o.goto : [])),
      );
    } catch (error) {
      await flushQuietly(saver);
      throw isLgError(error) ? error : new NodeError(nodes.join(","), settings.executionId, error);
    }
    step++;
    progress = noProgress();
    baseResumes = nodeRecord();
    basePauses = [];
    const ranIds = tasks.map((t) => t.id);
    const upcoming = stepNodes(spec, plan);
    // The pause that follows this checkpoint, if any, is recorded in it: a resume from it continues past the pause.
    // (A pause after the last node still happens: the human sees the final state before the run reports done.)
    const after = nodes.filter((node) => settings.interruptAfter.has(node)).map((node) => pause(node, "after"));
    const before = after.length > 0 ? [] : beforePauses(settings, upcoming, passed);
    const cp = await saver.record({
      nodeName: nodes.join(","),
      state,
      next: upcoming,
      plan,
      source: "loop",
      step,
      extra: stepMetadata(ranIds, outcomes),
      pauses: [...after, ...before],
      completesStep: true,
    });
    marked = new Set(before.map((i) => i.node));
    const sent = Object.fromEntries(tasks.filter((t) => t.sent).map((t) => [t.id, t.node]));
    yield { type: "step", step, nodes: ranIds, updates, state, sent };
    if (cp !== undefined) yield { type: "checkpoint", checkpoint: cp };
    yield* retentionEvents(saver);
    if (settings.live.values) yield { type: "values", step, state };
    if (after.length > 0) return yield* finish(saver, settings, state, upcoming, after);
  }
}

/** The pause of a task that called `interrupt()`, labelled when a send started it. */
function insidePause<S>(o: Extract<NodeOutcome<S>, { kind: "interrupt" }>): InterruptInfo {
  const info: InterruptInfo = { node: o.node, when: "inside", value: o.value };
  if (o.id !== o.node) info.task = o.id;
  return info;
}

/** The checkpoint of a step that pauses: it continues the step's chain, with its pauses and what its tasks did. */
function pauseCheckpoint<S>(
  state: S,
  nodes: string[],
  plan: NextStep,
  step: number,
  pauses: InterruptInfo[],
  progress: StepProgress<S>,
): PendingCheckpoint<S> {
  return {
    nodeName: INTERRUPT_NODE,
    state,
    next: nodes,
    plan,
    source: "loop",
    step,
    pauses,
    progress,
    completesStep: false,
  };
}

/** A completed step's metadata: the nodes that ran, and the attempts of those a retry policy ran more than once. */
function stepMetadata<S>(ran: string[], outcomes: readonly NodeOutcome<S>[]): Record<string, unknown> {
  const retried = outcomes.filter((o) => o.attempts > 1);
  if (retried.length === 0) return { nodes: ran };
  return { nodes: ran, attempts: Object.fromEntries(retried.map((o) => [o.id, o.attempts])) };
}

function cancelled<S>(settings: RunSettings, saver: RunCheckpointer<S>, runSignal: AbortSignal): RunCancelledError {
  return new RunCancelledError(settings.executionId, saver.current?.id, runSignal.reason);
}

/** What a step where some node failed leaves behind. */
interface FailedStep<S> {
  effects: StepEffects;
  state: S;
  nodes: string[];
  plan: NextStep;
  step: number;
  outcomes: NodeOutcome<S>[];
  done: Record<string, Partial<S>>;
  gotos: Record<string, Destination[]>;
  infos: InterruptInfo[];
  failed: Extract<NodeOutcome<S>, { kind: "error" }>[];
  progress: StepProgress<S>;
  baseResumes: Record<string, unknown[]>;
  basePauses: readonly PauseRecord[];
}

/**
 * Keeps what the nodes of a failing step did: when a node finished or paused in it during this run, a checkpoint
 * records their writes and pauses, so a resume runs only the nodes that did not finish and the pause is not lost.
 * A failed node keeps the answers and the pause it had at the base (its human is asked again). Without new progress
 * nothing is written (the base already says all there is). Then the run's unsaved progress is flushed; a failing save
 * here is not reported over the node's own error.
 */
async function* keepFailedStep<S>(saver: RunCheckpointer<S>, f: FailedStep<S>): AsyncGenerator<RunEvent<S>, void> {
  const fresh =
    f.effects.recordedHere.size > 0 || f.outcomes.some((o) => (o.kind === "ok" && !o.cached) || o.kind === "interrupt");
  if (fresh) {
    // A failed task that recorded an effect after its answers keeps them (the effect was made on them); other failed
    // tasks go back to the base's answers and pause, so their human is asked again.
    const failedNodes = new Set(f.failed.map((o) => o.id).filter((id) => !f.effects.recordedHere.has(id)));
    const resumes = nodeRecord<unknown[]>();
    for (const node of Object.keys(f.progress.resumes)) {
      const answers = failedNodes.has(node) ? ownValue(f.baseResumes, node) : f.progress.resumes[node];
      if (answers !== undefined) resumes[node] = answers;
    }
    const failures = nodeRecord<{ error: string; attempts: number }>();
    for (const o of f.failed) failures[o.id] = { error: messageOf(o.error), attempts: o.attempts };
    const keptPauses = f.basePauses.filter((p) => p.when === "inside" && failedNodes.has(p.task ?? p.node));
    try {
      yield* record(saver, {
        nodeName: ERROR_NODE,
        state: f.state,
        next: f.nodes,
        plan: f.plan,
        source: "loop",
        step: f.step,
        pauses: [...keptPauses, ...f.infos],
        progress: { writes: f.done, resumes, gotos: f.gotos, steps: f.effects.all },
        failures,
        completesStep: false,
      });
    } catch {
      /* the node's error is more useful to the caller */
    }
  }
  await flushQuietly(saver);
}

/** Records a checkpoint and yields its event (when it was written now) and any retention failure. */
async function* record<S>(saver: RunCheckpointer<S>, pending: PendingCheckpoint<S>): AsyncGenerator<RunEvent<S>, void> {
  const cp = await saver.record(pending);
  if (cp !== undefined) yield { type: "checkpoint", checkpoint: cp };
  yield* retentionEvents(saver);
}

function* retentionEvents<S>(saver: RunCheckpointer<S>): Generator<RunEvent<S>, void> {
  for (const error of saver.takeRetentionErrors()) yield { type: "retention", error };
}

function pause(node: string, when: "before" | "after"): InterruptInfo {
  return { node, when, value: undefined };
}

/** The `interruptBefore` pauses due before `next` runs, leaving out nodes whose pause was already taken. */
function beforePauses(settings: RunSettings, next: readonly string[], passed: ReadonlySet<string>): InterruptInfo[] {
  return next
    .filter((node) => settings.interruptBefore.has(node) && !passed.has(node))
    .map((node) => pause(node, "before"));
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
): AsyncGenerator<RunEvent<S>, RunResult<S>> {
  const saved = await saver.flush();
  if (saved !== undefined) yield { type: "checkpoint", checkpoint: saved };
  await saver.finishRetention();
  yield* retentionEvents(saver);
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
  if (saver.retentionFailures.length > 0) result.retention = { errors: [...saver.retentionFailures] };
  if (interrupts.length > 0) yield { type: "interrupt", interrupts };
  yield { type: "done", result };
  return result;
}
