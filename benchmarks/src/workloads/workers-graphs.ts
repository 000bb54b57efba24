/**
 * The graphs of the workers workload, built the same way in the benchmark process (to submit) and in each worker
 * or invoke process (to run): a graph's name and version are what a worker claims by, so both sides must agree.
 *
 * @packageDocumentation
 */
import { END, START, StateGraph, type CheckpointStore, type CompiledGraph, type NodeContext } from "@lg/core";

/** The state of both graphs: a counter every node moves on through a recorded effect. */
export interface CounterState {
  /** How many nodes have run (each through its `ctx.step`). */
  n: number;
}

/** Told when a node starts (the recovery measurement's "next step on another worker"). */
export type StepHook = (executionId: string, node: string) => void;

/** Name and version of the throughput graph. */
export const THROUGHPUT_GRAPH = { name: "bench-workers-throughput", version: "1" } as const;

/** Name and version of the recovery graph. */
export const RECOVERY_GRAPH = { name: "bench-workers-recovery", version: "1" } as const;

/** Ticks after which a recovery execution would end on its own: far more than any measurement runs. */
const RECOVERY_TICKS = 1_000_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The effect of a node: the next counter value, recorded by `ctx.step` so a re-run of the node gets it back. */
function advance(state: CounterState, ctx: NodeContext): Promise<number> {
  return ctx.step("advance", () => state.n + 1);
}

/**
 * The throughput graph: `steps` nodes in a line (`n1` → … → `nSTEPS`), each moving the counter on with one `ctx.step`;
 * an execution ends with `n === steps`.
 */
export function throughputGraph(store: CheckpointStore, steps: number): CompiledGraph<CounterState> {
  const graph = new StateGraph<CounterState>({ channels: { n: { default: () => 0 } } });
  for (let i = 1; i <= steps; i++) {
    graph.addNode(`n${i}`, async (state, ctx) => ({ n: await advance(state, ctx) }));
    graph.addEdge(i === 1 ? START : `n${i - 1}`, `n${i}`);
  }
  graph.addEdge(`n${steps}`, END);
  return graph.compile({ ...THROUGHPUT_GRAPH, checkpoint: { store } });
}

/**
 * The recovery graph: one node, `tick`, that reports its start, works for `tickMs` and moves the counter on with a
 * `ctx.step`, then routes back to itself — an execution that keeps a worker busy until it is cancelled.
 */
export function recoveryGraph(store: CheckpointStore, tickMs: number, onStep?: StepHook): CompiledGraph<CounterState> {
  const graph = new StateGraph<CounterState>({ channels: { n: { default: () => 0 } } });
  graph.addNode("tick", async (state, ctx) => {
    onStep?.(ctx.executionId, ctx.node);
    await sleep(tickMs);
    return { n: await advance(state, ctx) };
  });
  graph.addEdge(START, "tick");
  graph.addConditionalEdges("tick", (state) => (state.n < RECOVERY_TICKS ? "tick" : END));
  return graph.compile({ ...RECOVERY_GRAPH, checkpoint: { store }, recursionLimit: RECOVERY_TICKS + 10 });
}
