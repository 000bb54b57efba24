import { appendReducer, END, START, StateGraph, type CheckpointConfig } from "@lg/core";

/** The state of the monitored pipeline. */
export interface PipelineState {
  /** Names of the steps that ran, in order. */
  steps: string[];
  /** A running total each step adds to. */
  total: number;
}

/** The seed's three-step pipeline (step1 → step2 → step3); each step is a super-step with a checkpoint after it. */
export function buildPipeline(checkpoint: CheckpointConfig) {
  const step = (name: string, add: number) => (state: PipelineState) => ({ steps: [name], total: state.total + add });
  return new StateGraph<PipelineState>({
    channels: { steps: { reducer: appendReducer, default: () => [] }, total: { default: () => 0 } },
  })
    .addNode("step1", step("step1", 1))
    .addNode("step2", step("step2", 10))
    .addNode("step3", step("step3", 100))
    .addEdge(START, "step1")
    .addEdge("step1", "step2")
    .addEdge("step2", "step3")
    .addEdge("step3", END)
    .compile({ checkpoint });
}
