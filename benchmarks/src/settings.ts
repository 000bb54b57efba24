import type { SamplingPlan } from "./harness.js";
import type { GraphShapes } from "./systems/types.js";

/** Sizes and sample counts of one benchmark run. */
export interface Settings {
  /** A smoke run: tiny sizes and one sample each, to prove that every path still works. */
  smoke: boolean;
  /** Graph sizes. */
  shapes: GraphShapes;
  /** Samples of the linear and fan-out graph runs. */
  graphPlan: SamplingPlan;
  /** Samples of the concurrent-executions batch. */
  concurrentPlan: SamplingPlan;
  /** Executions run at once in the concurrent workload. */
  concurrentExecutions: number;
  /** Samples of single save and latest calls. */
  operationPlan: SamplingPlan;
  /** Samples of history page reads. */
  historyPlan: SamplingPlan;
  /** History lengths of the executions whose latest checkpoint is loaded. */
  resumeSizes: number[];
  /** Page size of the history workload (read from the longest execution of `resumeSizes`). */
  historyLimit: number;
}

/** The full run: the sizes the issue names, samples enough for stable medians on a shared 2-core machine. */
export const FULL_SETTINGS: Settings = {
  smoke: false,
  shapes: { linearSteps: 100, fanoutWidth: 8, fanoutRounds: 10, concurrentSteps: 20 },
  graphPlan: { rounds: 8, iterationsPerRound: 3, warmupIterations: 2 },
  concurrentPlan: { rounds: 5, iterationsPerRound: 1, warmupIterations: 1 },
  concurrentExecutions: 50,
  operationPlan: { rounds: 8, iterationsPerRound: 50, warmupIterations: 20 },
  historyPlan: { rounds: 8, iterationsPerRound: 15, warmupIterations: 3 },
  resumeSizes: [10, 1_000, 10_000],
  historyLimit: 20,
};

/** The smoke run (CI): every workload, system and backend once, on small sizes; it asserts nothing about speed. */
export const SMOKE_SETTINGS: Settings = {
  smoke: true,
  shapes: { linearSteps: 20, fanoutWidth: 8, fanoutRounds: 2, concurrentSteps: 5 },
  graphPlan: { rounds: 1, iterationsPerRound: 1, warmupIterations: 0 },
  concurrentPlan: { rounds: 1, iterationsPerRound: 1, warmupIterations: 0 },
  concurrentExecutions: 5,
  operationPlan: { rounds: 2, iterationsPerRound: 2, warmupIterations: 1 },
  historyPlan: { rounds: 2, iterationsPerRound: 2, warmupIterations: 1 },
  resumeSizes: [10, 100],
  historyLimit: 20,
};
