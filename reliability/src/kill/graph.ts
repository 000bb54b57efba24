import { appendReducer, END, START, StateGraph, type CheckpointStore, type CompiledGraph } from "@lg/core";

/** Super-steps of the graph: each one saves a checkpoint, so a finished execution holds `STEPS + 1` versions. */
export const STEPS = 50;

/** Versions of a finished execution: the input checkpoint and one per step. */
export const FINAL_VERSION = STEPS + 1;

/**
 * The state of the kill graph. Both lists grow by an append reducer, so a node whose effect was applied twice
 * leaves a repeated item behind, and a lost step leaves a gap.
 */
export interface CountingState {
  /** Step numbers, appended by `count`: `[1, 2, …]`. */
  steps: number[];
  /** Squares of the step numbers, appended by `tally`, which runs beside `count` in the same super-step. */
  squares: number[];
  /** Running sum of the step numbers (overwritten each step). */
  total: number;
  /** A few hundred bytes that change every step, so each save carries a body of some size. */
  note: string;
}

/** Where a node of step `step` may stop the process before it returns. */
export type NodeHook = (step: number) => void | Promise<void>;

/** The deterministic note of a step: its number and a checksum of it, repeated. */
function noteOf(step: number): string {
  return `step ${step} `.repeat(24) + String((step * 2654435761) % 4294967296);
}

/**
 * The 50-step graph: `count` and `tally` run side by side in every super-step; `count` loops back to both until
 * step {@link STEPS}. `beforeReturn` runs inside `count` after its work, before it returns.
 */
export function buildCountingGraph(store: CheckpointStore, beforeReturn?: NodeHook): CompiledGraph<CountingState> {
  return new StateGraph<CountingState>({
    channels: {
      steps: { reducer: appendReducer, default: () => [] },
      squares: { reducer: appendReducer, default: () => [] },
      total: { default: () => 0 },
      note: { default: () => "" },
    },
  })
    .addNode("count", async (state) => {
      const step = state.steps.length + 1;
      const update = { steps: [step], total: state.total + step, note: noteOf(step) };
      await beforeReturn?.(step);
      return update;
    })
    .addNode("tally", (state) => {
      const step = state.steps.length + 1;
      return { squares: [step * step] };
    })
    .addEdge(START, "count")
    .addEdge(START, "tally")
    .addConditionalEdges("count", (state) => (state.steps.length >= STEPS ? END : ["count", "tally"]))
    .compile({ checkpoint: { store }, recursionLimit: STEPS + 10 });
}

/** The state checkpoint `version` must hold: the input (version 1) plus `version - 1` steps. */
export function expectedStateAt(version: number): CountingState {
  const done = version - 1;
  const steps = Array.from({ length: done }, (_, i) => i + 1);
  return {
    steps,
    squares: steps.map((n) => n * n),
    total: (done * (done + 1)) / 2,
    note: done === 0 ? "" : noteOf(done),
  };
}
