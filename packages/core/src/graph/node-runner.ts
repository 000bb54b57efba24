import { InvalidArgumentError, InvalidGraphError, isLgError, NodeTimeoutError } from "../errors.js";
import { isCommand } from "./command.js";
import { isSend, type Destination } from "./send.js";
import { END } from "./constants.js";
import { interrupt, runWithResumes, type NodeContext } from "./interrupt.js";
import { stepFunction, type StepEffects } from "./effects.js";
import type { LeaseFence } from "../registry.js";
import { NO_RETRY, retryDelayMs } from "./retry.js";
import type { GraphSpec } from "./state-graph.js";
import type { CustomValue, TaskFinish, TaskStart } from "./types.js";

/** What running one node (all its attempts) came to. */
export type NodeOutcome<S> = { id: string; node: string; attempts: number } & (
  | { kind: "ok"; update: Partial<S>; goto: Destination[]; cached: boolean }
  | { kind: "interrupt"; value: unknown }
  | { kind: "error"; error: unknown }
  | { kind: "cancelled" }
);

/** Live events raised while nodes run. */
export type TaskEvent<S> =
  ({ type: "task" } & TaskStart) | ({ type: "task" } & TaskFinish<S>) | ({ type: "custom" } & CustomValue);

/** What a node run needs from its step. */
export interface NodeEnv<S> {
  spec: GraphSpec<S>;
  executionId: string;
  step: number;
  /** See `NodeContext.stepId`. */
  stepId: string;
  /** Aborted when the run is cancelled or its consumer stopped reading. */
  runSignal: AbortSignal;
  /** Settles when the caller cancels the run (one listener for the whole step); absent when it cannot. */
  cancelled?: Promise<{ kind: "cancelled" }>;
  /** Receives live task and custom events. */
  emit(event: TaskEvent<S>): void;
  /** The `context.step` outcomes of the step, shared by its tasks and attempts. */
  effects: StepEffects;
  /** The worker's lease the run is made under, if any. */
  lease?: LeaseFence;
}

/** One attempt's result before retries are decided. */
type Attempt<S> =
  | { kind: "ok"; update: Partial<S>; goto: Destination[] }
  | { kind: "interrupt"; value: unknown }
  | { kind: "error"; error: unknown }
  | { kind: "cancelled" };

/**
 * Runs one node with its retry policy and timeout: attempts until one finishes, pauses, fails with an error the
 * policy does not retry, runs out of attempts, or the run is cancelled. Never throws: the outcome says what happened.
 */
export async function runNode<S>(
  env: NodeEnv<S>,
  task: { id: string; node: string; sent: boolean },
  state: S,
  resumes: readonly unknown[],
): Promise<NodeOutcome<S>> {
  const { id, node } = task;
  const label = task.sent ? { task: id } : {};
  const fn = env.spec.nodes.get(node);
  if (fn === undefined)
    return { id, node, kind: "error", error: new InvalidGraphError(`unknown node "${node}"`), attempts: 1 };
  const options = env.spec.nodeOptions.get(node);
  const policy = options?.retry ?? NO_RETRY;
  for (let attempt = 1; ; attempt++) {
    env.emit({ type: "task", event: "start", step: env.step, node, ...label, attempt });
    const result = await attemptNode<S>(node, env, options?.timeoutMs, (signal) => {
      const context: NodeContext = {
        node,
        executionId: env.executionId,
        superstep: env.step,
        stepId: env.stepId,
        task: id,
        interrupt,
        signal,
        attempt,
        emit: (value) => env.emit({ type: "custom", step: env.step, node, ...label, attempt, value }),
        step: stepFunction(env.effects, { executionId: env.executionId, stepId: env.stepId, task: id }, signal),
        ...(env.lease === undefined ? {} : { lease: env.lease }),
      };
      return runWithResumes(resumes, () => fn(state, context));
    });
    if (result.kind === "cancelled") return { id, node, kind: "cancelled", attempts: attempt };
    const unknown =
      result.kind === "ok" ? result.goto.find((to) => typeof to === "string" && !env.spec.nodes.has(to)) : undefined;
    if (unknown !== undefined) {
      const error = new InvalidGraphError(
        `node "${node}" returned a Command with goto "${unknown}", which is not a node`,
      );
      return { id, node, kind: "error", error, attempts: attempt };
    }
    const finish = { type: "task", event: "result", step: env.step, node, ...label, attempt } as const;
    if (result.kind === "ok") {
      env.emit({ ...finish, outcome: "done", update: result.update });
      return { id, node, kind: "ok", update: result.update, goto: result.goto, cached: false, attempts: attempt };
    }
    if (result.kind === "interrupt") {
      env.emit({ ...finish, outcome: "interrupted", value: result.value });
      return { id, node, kind: "interrupt", value: result.value, attempts: attempt };
    }
    env.emit({ ...finish, outcome: "failed", error: result.error });
    let retry: boolean;
    try {
      retry = attempt < policy.maxAttempts && !env.runSignal.aborted && policy.retryOn(result.error, attempt);
    } catch (error) {
      // A retryOn that throws decides nothing: the node fails with that error (a NodeError, its progress saved).
      return { id, node, kind: "error", error, attempts: attempt };
    }
    if (!retry) return { id, node, kind: "error", error: result.error, attempts: attempt };
    if (!(await sleep(retryDelayMs(policy, attempt), env.runSignal)))
      return { id, node, kind: "cancelled", attempts: attempt };
  }
}

/**
 * One attempt: calls the node with a signal of its own (aborted by the run's signal or the timeout) and settles on
 * whichever comes first — the node's result, the timeout, or the run's cancellation. A node still running after a
 * timeout or a cancellation is not waited for: its late result is ignored.
 */
async function attemptNode<S>(
  node: string,
  env: NodeEnv<S>,
  timeoutMs: number | undefined,
  call: (signal: AbortSignal) => unknown,
): Promise<Attempt<S>> {
  const { runSignal, cancelled } = env;
  if (runSignal.aborted) return { kind: "cancelled" };
  if (timeoutMs === undefined) {
    // The node sees the run's own signal; the step's one cancellation promise stops the wait.
    const settled = settleCall<S>(node, () => call(runSignal));
    return cancelled === undefined ? settled : Promise.race([settled, cancelled]);
  }
  const controller = new AbortController();
  let settle: (attempt: Attempt<S>) => void = () => undefined;
  const stopped = new Promise<Attempt<S>>((resolve) => (settle = resolve));
  const onCancel = (): void => {
    controller.abort(runSignal.reason);
    settle({ kind: "cancelled" });
  };
  runSignal.addEventListener("abort", onCancel, { once: true });
  const timer = setTimeout(() => {
    const error = new NodeTimeoutError(node, timeoutMs);
    controller.abort(error);
    settle({ kind: "error", error });
  }, timeoutMs);
  try {
    return await Promise.race([settleCall<S>(node, () => call(controller.signal)), stopped]);
  } finally {
    clearTimeout(timer);
    runSignal.removeEventListener("abort", onCancel);
  }
}

/** Calls the node and reads what it returned or threw. */
async function settleCall<S>(node: string, call: () => unknown): Promise<Attempt<S>> {
  try {
    return toAttempt<S>(node, await call());
  } catch (error) {
    // By code: the node may have called the `interrupt` of another copy of @lg/core (its ESM or CJS build).
    if (isLgError(error, "LG_INTERRUPT")) return { kind: "interrupt", value: (error as { value?: unknown }).value };
    return { kind: "error", error };
  }
}

/** Reads a node's return value: an update object, nothing, or a `Command({ update, goto })`. */
function toAttempt<S>(node: string, value: unknown): Attempt<S> {
  if (value === undefined || value === null) return { kind: "ok", update: {}, goto: [] };
  if (isCommand<S>(value)) {
    if (value.hasResume) {
      return {
        kind: "error",
        error: new InvalidArgumentError(
          `node "${node}" returned a Command with resume; resume is only for invoke input`,
        ),
      };
    }
    const update = value.update ?? {};
    if (update === null || typeof update !== "object" || Array.isArray(update)) {
      return {
        kind: "error",
        error: new InvalidArgumentError(
          `node "${node}" returned a Command whose update is not an object of state keys`,
        ),
      };
    }
    const goto = [...(value.goto ?? [])];
    if (goto.some((to) => typeof to !== "string" && !isSend(to))) {
      return {
        kind: "error",
        error: new InvalidArgumentError(`node "${node}" returned a Command whose goto is not node names or sends`),
      };
    }
    return { kind: "ok", update, goto: goto.filter((to) => to !== END) };
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    const got = Array.isArray(value) ? "an array" : typeof value;
    return {
      kind: "error",
      error: new InvalidArgumentError(`node "${node}" must return an object of state keys (or nothing), got ${got}`),
    };
  }
  return { kind: "ok", update: value as Partial<S>, goto: [] };
}

/** Waits `ms`, or less if `signal` aborts first; resolves whether the full wait passed. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
