import { EventQueue } from "./event-queue.js";
import { runNode, type NodeOutcome, type TaskEvent } from "./node-runner.js";
import type { RunEvent } from "./run.js";
import type { GraphSpec } from "./state-graph.js";
import { ownValue, type StepProgress, type StepTask } from "./tasks.js";

/**
 * Runs a step's nodes concurrently, handing out their live task and custom events while they run, and returns
 * their outcomes in graph order. A node whose writes the unfinished step already holds is not run again.
 */
export async function* runStepLive<S extends object>(
  spec: GraphSpec<S>,
  where: { executionId: string; step: number; stepId: string },
  state: S,
  tasks: readonly StepTask[],
  progress: StepProgress<S>,
  runSignal: AbortSignal,
): AsyncGenerator<RunEvent<S>, NodeOutcome<S>[]> {
  const queue = new EventQueue<TaskEvent<S>>();
  const env = { spec, ...where, runSignal, emit: (event: TaskEvent<S>) => queue.push(event) };
  const outcomes = Promise.all(
    tasks.map((task): Promise<NodeOutcome<S>> | NodeOutcome<S> => {
      const cached = ownValue(progress.writes, task.id);
      if (cached !== undefined) {
        const goto = ownValue(progress.gotos, task.id) ?? [];
        return { id: task.id, node: task.node, kind: "ok", update: cached, goto, cached: true, attempts: 1 };
      }
      const input = task.sent ? (task.input as S) : state;
      return runNode(env, task, input, ownValue(progress.resumes, task.id) ?? []);
    }),
  ).finally(() => queue.close());
  yield* queue.drain();
  return outcomes;
}

