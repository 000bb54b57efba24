import type { SamplingPlan } from "./harness.js";
import type { GraphShapes } from "./systems/types.js";

/** Sizes of the growing-state workload: one conversation per system, a ~1 KB message and a checkpoint per step. */
export interface GrowingSettings {
  /** Steps of the measured conversation. */
  steps: number;
  /** Steps of the unmeasured warm-up conversation each system runs first, on a store of its own (0: none). */
  warmupSteps: number;
  /** The early window: the steps (first, last; inclusive) whose median is the overhead "at step ~10". */
  earlyWindow: [number, number];
  /** Steps in the late window, which ends at the last step that has a successor ("at step ~1,000"). */
  lateWindowSteps: number;
}

/** Sizes of the workers workload: worker processes sharing one store (recovery, throughput, heartbeats). */
export interface WorkersSettings {
  /** The backends whose recovery is measured (of those the run covers; throughput is measured on PostgreSQL). */
  recoveryBackends: ("sqlite" | "postgres" | "redis")[];
  /** The workers' lease, in milliseconds (L of the recovery goal; also the lease of the throughput run). */
  leaseMs: number;
  /** The workers' poll interval, in milliseconds: it bounds how soon an expired lease is seen. */
  pollMs: number;
  /** SIGKILLs of a worker process holding executions, one recovery sample each. */
  kills: number;
  /** Worker processes alive during the recovery measurement (a killed one is replaced at once). */
  recoveryProcesses: number;
  /** Executions run at once by each of those processes. */
  recoveryConcurrency: number;
  /** Endless executions kept running during the recovery measurement. */
  recoveryExecutions: number;
  /** How long each node of those executions works, in milliseconds. */
  tickMs: number;
  /** Executions of the throughput run (PostgreSQL). */
  throughputExecutions: number;
  /** Nodes of each (one `ctx.step` per node). */
  throughputSteps: number;
  /** Worker processes of the throughput run. */
  throughputProcesses: number;
  /** Executions each of them runs at once (c); the plain-invoke process runs processes × c at once. */
  throughputConcurrency: number;
  /** Rounds of the throughput comparison (each runs both, alternating which goes first). */
  throughputRounds: number;
}

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
  /** The growing-state workload. */
  growing: GrowingSettings;
  /** The workers workload. */
  workers: WorkersSettings;
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
  growing: { steps: 1_000, warmupSteps: 30, earlyWindow: [5, 15], lateWindowSteps: 11 },
  workers: {
    recoveryBackends: ["sqlite", "postgres", "redis"],
    leaseMs: 1_000,
    pollMs: 250,
    kills: 30,
    recoveryProcesses: 3,
    recoveryConcurrency: 2,
    recoveryExecutions: 4,
    tickMs: 50,
    throughputExecutions: 1000,
    throughputSteps: 10,
    throughputProcesses: 4,
    throughputConcurrency: 4,
    throughputRounds: 2,
  },
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
  growing: { steps: 20, warmupSteps: 0, earlyWindow: [5, 9], lateWindowSteps: 5 },
  // Every worker process takes a second or two to start: the smoke run measures recovery on PostgreSQL only.
  workers: {
    recoveryBackends: ["postgres"],
    leaseMs: 1_000,
    pollMs: 250,
    kills: 1,
    recoveryProcesses: 2,
    recoveryConcurrency: 1,
    recoveryExecutions: 1,
    tickMs: 50,
    throughputExecutions: 8,
    throughputSteps: 10,
    throughputProcesses: 2,
    throughputConcurrency: 2,
    throughputRounds: 1,
  },
};
