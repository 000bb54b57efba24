import { appendReducer, END, START, StateGraph, type CompileOptions } from "../../src/index.js";

/** State of the seed's three-step pipeline. */
export interface PipelineState {
  steps: string[];
  count: number;
}

/** The seed's pipeline: step1 → step2 → step3, each appending its name and counting. */
export function pipeline(options: CompileOptions = {}, hooks: { onRun?: (node: string) => void } = {}) {
  const node = (name: string) => (state: PipelineState) => {
    hooks.onRun?.(name);
    return { steps: [name], count: state.count + 1 };
  };
  return new StateGraph<PipelineState>({
    channels: { steps: { reducer: appendReducer, default: () => [] }, count: { default: () => 0 } },
  })
    .addNode("step1", node("step1"))
    .addNode("step2", node("step2"))
    .addNode("step3", node("step3"))
    .addEdge(START, "step1")
    .addEdge("step1", "step2")
    .addEdge("step2", "step3")
    .addEdge("step3", END)
    .compile(options);
}
