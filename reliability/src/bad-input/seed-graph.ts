import {
  END,
  interrupt,
  START,
  StateGraph,
  type CheckpointStore,
  type CompileOptions,
  type CompiledGraph,
} from "@lg/core";

/** State of the seed graph. */
export interface SeedState {
  /** Steps taken. */
  count: number;
  /** The human's answer, once given. */
  answer?: string;
  /** Whatever a case puts in (unstorable values among them). */
  extra?: unknown;
}

/**
 * `draft` then `review`; `review` asks a human (interrupt) only when the input says so, so one graph gives the seed
 * both a finished and a paused execution.
 */
export function seedGraph(
  store: CheckpointStore,
  options: Omit<CompileOptions, "checkpoint"> = {},
): CompiledGraph<SeedState> {
  return new StateGraph<SeedState>({ channels: { count: { default: () => 0 } } })
    .addNode("draft", (s) => ({ count: s.count + 1 }))
    .addNode("review", (s) => {
      if (s.extra !== "ask") return { count: s.count + 1 };
      return { answer: interrupt<string>("approve?"), count: s.count + 1 };
    })
    .addEdge(START, "draft")
    .addEdge("draft", "review")
    .addEdge("review", END)
    .compile({ ...options, checkpoint: { store } });
}
