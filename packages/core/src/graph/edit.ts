import type { Checkpoint } from "../checkpoint.js";
import { InvalidArgumentError } from "../errors.js";
import { applyUpdate } from "./channels.js";
import { nextStep, orderTasks, stepNodes, type NextStep } from "./routing.js";
import type { GraphSpec } from "./state-graph.js";
import { ownValue, pausesOf, pendingStepOf, progressOf, stepTasks, type StepTask } from "./tasks.js";

/** The ids of the tasks of the step a checkpoint continues (node names, and `node#index` for sends). */
export function pendingTaskIds(cp: Checkpoint): string[] {
  const pending = pendingStepOf(cp);
  return stepTasks(pending).map((t) => t.id);
}

/**
 * The state and next step of an edit. Without `asNode`: `values` merged, the step kept. With `asNode`: as if that
 * node had just run with `values` as its update — when it is a node an interrupted step is waiting on, the step
 * completes: the updates of the tasks that finished in it are merged too (in the order a step merges them) and the
 * next step follows from the whole step.
 */
export async function editState<S extends object>(
  spec: GraphSpec<S>,
  base: Checkpoint,
  values: Partial<S>,
  asNode: string | undefined,
): Promise<{ state: S; plan: NextStep }> {
  const channels = spec.channels;
  const pending = pendingStepOf(base);
  if (asNode === undefined) return { state: applyUpdate(channels, base.state as S, values), plan: pending };
  const progress = progressOf<S>(base);
  const tasks = orderTasks(spec, stepTasks(pending));
  const unfinished = (t: StepTask): boolean => ownValue(progress.writes, t.id) === undefined;
  // The task the edit stands for: named by its label, or the one unfinished task of the node named.
  const ofNode = tasks.filter((t) => t.node === asNode && unfinished(t));
  const target = tasks.find((t) => t.id === asNode) ?? (ofNode.length === 1 ? ofNode[0] : undefined);
  const waiting = pausesOf(base).some((i) => i.when === "inside");
  if (!waiting || target === undefined) {
    const state = applyUpdate(channels, base.state as S, values);
    return { state, plan: await nextStep(spec, [target?.node ?? asNode], state) };
  }
  const unanswered = tasks.filter((t) => t.id !== target.id && unfinished(t)).map((t) => t.id);
  if (unanswered.length > 0) {
    throw new InvalidArgumentError(
      `updateState asNode "${asNode}" cannot complete the interrupted step: ${unanswered.join(", ")} also wait(s) ` +
        "for an answer; answer them with invoke(new Command({ resume }))",
    );
  }
  let state = base.state as S;
  for (const task of tasks) {
    state = applyUpdate(channels, state, task.id === target.id ? values : (ownValue(progress.writes, task.id) ?? {}));
  }
  const gotos = tasks.flatMap((t) => ownValue(progress.gotos, t.id) ?? []);
  return { state, plan: await nextStep(spec, stepNodes(spec, pending), state, gotos) };
}
