import { traced } from "../tracing.js";
import { EventQueue } from "./event-queue.js";
import { runNode, type NodeOutcome, type TaskEvent } from "./node-runner.js";
import type { StepEffects } from "./effects.js";
import type { LeaseFence } from "../registry.js";
import type { RunEvent } from "./run.js";
import type { GraphSpec } from "./state-graph.js";
import { ownValue, type StepProgress, type StepTask } from "./tasks.js";

/** Which live events a run's consumer asked for (a `stream` with the `tasks` or `custom` mode). */
export interface LiveEvents {
  tasks: boolean;
  custom: boolean;
}

/**
 * Runs a step's nodes concurrently, handing out the live task and custom events asked for while they run, and
 * returns their outcomes in graph order. A node whose writes the unfinished step already holds is not run again.
 * Without live events nothing is queued (the common `invoke`).
 */
export async function* runStepLive<S extends object>(
  spec: GraphSpec<S>,
  where: {
    executionId: string;
    step: number;
    stepId: string;
    live: LiveEvents;
    cancellable: boolean;
    lease?: LeaseFence;
  },
  state: S,
  tasks: readonly StepTask[],
  progress: StepProgress<S>,
  runSignal: AbortSignal,
  effects: StepEffects,
): AsyncGenerator<RunEvent<S>, NodeOutcome<S>[]> {
  const queue = new EventQueue<TaskEvent<S>>();
  const { live } = where;
  const emit = (event: TaskEvent<S>): void => {
    if (event.type === "task" ? live.tasks : live.custom) queue.push(event);
  };
  // One listener for the whole step, and only when the caller can cancel: a node that ignores its signal is not
  // waited for once the run is cancelled.
  let onCancel: (() => void) | undefined;
  const cancelled = where.cancellable
    ? new Promise<{ kind: "cancelled" }>((resolve) => {
        onCancel = () => resolve({ kind: "cancelled" });
        runSignal.addEventListener("abort", onCancel, { once: true });
      })
    : undefined;
  const env = { spec, ...where, runSignal, emit, effects, ...(cancelled === undefined ? {} : { cancelled }) };
  const stepContext = () => ({
    executionId: where.executionId,
    step: where.step,
    nodes: [...new Set(tasks.map((t) => t.node))],
  });
  const runTasks = (): Promise<NodeOutcome<S>[]> =>
    Promise.all(
      tasks.map((task): Promise<NodeOutcome<S>> | NodeOutcome<S> => {
        const cached = ownValue(progress.writes, task.id);
        if (cached !== undefined) {
          const goto = ownValue(progress.gotos, task.id) ?? [];
          return { id: task.id, node: task.node, kind: "ok", update: cached, goto, cached: true, attempts: 1 };
        }
        const input = task.sent ? (task.input as S) : state;
        return runNode(env, task, input, ownValue(progress.resumes, task.id) ?? []);
      }),
    );
  const outcomes = traced("step", stepContext, runTasks);
  if (onCancel !== undefined) {
    const listener = onCancel;
    const detach = (): void => runSignal.removeEventListener("abort", listener);
    outcomes.then(detach, detach);
  }
  if (!live.tasks && !live.custom) return outcomes;
  outcomes.then(
    () => queue.close(),
    () => queue.close(),
  );
  yield* queue.drain();
  return outcomes;
}
