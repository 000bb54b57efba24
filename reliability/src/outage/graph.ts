import { appendReducer, END, START, StateGraph, type CheckpointStore, type CompiledGraph } from "@lg/core";

/** State of the outage graph: the trail of nodes that ran and a running total. */
export interface OutageState {
  /** Names of the nodes whose steps were committed, in order. */
  trail: string[];
  /** Sum of the step numbers so far (each step adds its own number, so a step applied twice would show). */
  total: number;
}

/**
 * Called inside step `index` (0-based) before the node returns; the outage is caused here, so that the checkpoint
 * of that step is the first one that meets it.
 */
export type StepHook = (index: number) => Promise<void> | void;

/** Name of the node of step `index`. */
export function stepName(index: number): string {
  return `step${index}`;
}

/**
 * A chain of `steps` nodes, each one super-step with its own checkpoint, on `store`. Deterministic: a run that was
 * interrupted and resumed ends in the same state as one that was not, unless a step was applied twice or lost.
 */
export function outageGraph(
  store: CheckpointStore,
  steps: number,
  hook: StepHook = () => undefined,
): CompiledGraph<OutageState> {
  let graph = new StateGraph<OutageState>({
    channels: { trail: { reducer: appendReducer, default: () => [] }, total: { default: () => 0 } },
  });
  for (let index = 0; index < steps; index++) {
    graph = graph.addNode(stepName(index), async (state: OutageState) => {
      await hook(index);
      return { trail: [stepName(index)], total: state.total + index + 1 };
    });
  }
  graph = graph.addEdge(START, stepName(0));
  for (let index = 1; index < steps; index++) graph = graph.addEdge(stepName(index - 1), stepName(index));
  // The runtime's default limit is 25 super-steps; give every step of the chain room.
  return graph.addEdge(stepName(steps - 1), END).compile({ checkpoint: { store }, recursionLimit: steps + 5 });
}
