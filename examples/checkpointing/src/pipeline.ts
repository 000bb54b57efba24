import { appendReducer, END, interrupt, START, StateGraph, type CheckpointConfig } from "@lg/core";

/** The state of the example pipeline. */
export interface PipelineState {
  /** Names of the steps that ran, in order. */
  steps: string[];
  /** A running total each step adds to. */
  total: number;
  /** The reviewer's decision, once given. */
  approved?: boolean;
}

/** Switches that let the example "crash" a step. */
export interface Faults {
  /**
   * How step2 fails: `"throw"` raises an error (the run fails with `NodeError`), `"exit"` kills the process on the
   * spot, as a power cut would; `"none"` lets it run.
   */
  crashInStep2: "none" | "throw" | "exit";
}

/**
 * The seed's three-step pipeline (step1 → step2 → step3), followed by a review node that asks a human with
 * `interrupt()` before the result is published.
 */
export function buildPipeline(checkpoint: CheckpointConfig, faults: Faults = { crashInStep2: "none" }) {
  const step = (name: string, add: number) => (state: PipelineState) => {
    if (name === "step2" && faults.crashInStep2 === "exit") process.exit(75);
    if (name === "step2" && faults.crashInStep2 === "throw") throw new Error("simulated crash in step2");
    return { steps: [name], total: state.total + add };
  };
  return new StateGraph<PipelineState>({
    channels: { steps: { reducer: appendReducer, default: () => [] }, total: { default: () => 0 } },
  })
    .addNode("step1", step("step1", 1))
    .addNode("step2", step("step2", 10))
    .addNode("step3", step("step3", 100))
    .addNode("review", (state) => {
      const approved = interrupt<boolean>(`approve a total of ${state.total}?`);
      return { steps: ["review"], approved };
    })
    .addEdge(START, "step1")
    .addEdge("step1", "step2")
    .addEdge("step2", "step3")
    .addEdge("step3", "review")
    .addEdge("review", END)
    .compile({ checkpoint });
}
