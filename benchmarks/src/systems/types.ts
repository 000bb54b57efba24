/** The sizes of the benchmark graphs. */
export interface GraphShapes {
  /** Nodes of the linear graph (one super-step each). */
  linearSteps: number;
  /** Parallel nodes per fan-out super-step. */
  fanoutWidth: number;
  /** Fan-out rounds: each is one super-step of `fanoutWidth` workers and one of the dispatcher. */
  fanoutRounds: number;
  /** Nodes of the shorter linear graph run by the concurrent-executions workload. */
  concurrentSteps: number;
}

/** Called when a node starts: the linear workload measures the time between consecutive node starts. */
export type NodeStartHook = () => void;

/** The same graphs built on one system and one backend (or without a checkpointer). */
export interface GraphRunner {
  /** Runs the linear graph to its end on a new execution; rejects if the final state is not the expected one. */
  linear(executionId: string): Promise<void>;
  /** Runs the fan-out graph to its end on a new execution. */
  fanout(executionId: string): Promise<void>;
  /** Runs the short linear graph (concurrent workload) to its end on a new execution. */
  shortLinear(executionId: string): Promise<void>;
  /** Deletes what the runs of `executionId` stored (outside the measured time). */
  cleanup(executionId: string): Promise<void>;
}

/** Direct checkpoint operations of one system on one backend: the resume, history and save workloads. */
export interface CheckpointOps {
  /**
   * Writes `count` checkpoints (versions 1..count, ~1 KB of state each) for `executionId`, with whatever else the
   * system's own runs store beside them (LangGraph: each step's task writes).
   */
  seed(executionId: string, count: number): Promise<void>;
  /** Loads the newest checkpoint of `executionId` (what a resume reads); rejects if there is none. */
  latest(executionId: string): Promise<void>;
  /** Loads the newest `limit` checkpoints of `executionId`, newest first; rejects on a short page. */
  history(executionId: string, limit: number): Promise<void>;
  /** Saves the next checkpoint (~1 KB of state) of `executionId`, continuing from the last one this call saved. */
  saveNext(executionId: string): Promise<void>;
  /** Deletes everything stored for `executionId`. */
  cleanup(executionId: string): Promise<void>;
}

/** Throws when a run or read did not produce what the workload expects (a benchmark of a broken run is noise). */
export function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) {
    throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
  }
}
