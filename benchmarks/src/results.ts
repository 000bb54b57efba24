import type { BackendName } from "./backends.js";
import type { Summary } from "./stats.js";

/** The columns of the results: @lg, LangGraph JS (sync durability, or durability-free store calls), LangGraph
 * JS with async durability, and the raw driver floor. */
export type SystemColumn = "lg" | "langgraph" | "langgraphAsync" | "raw";

/** One line of the results table: one metric of one workload on one backend, per system, in milliseconds. */
export interface ResultRow {
  /** Workload key (`linear`, `fanout`, `save`, `resume`, `history`, `concurrent`). */
  workload: string;
  /** Backend. */
  backend: BackendName;
  /** What is measured, e.g. `per-step overhead` or `latest of 10,000`. */
  metric: string;
  /** The figure compared across systems (milliseconds); a missing system has no entry. */
  values: Partial<Record<SystemColumn, number>>;
  /** Full statistics of the samples behind each value, when the value is a sample statistic. */
  summaries?: Partial<Record<SystemColumn, Summary>>;
  /** Kept in the JSON file but left out of the printed table (supporting figures). */
  detailOnly?: boolean;
}

/** A system that could not be measured on a backend, and why (printed, never dropped silently). */
export interface Unavailable {
  /** Backend. */
  backend: BackendName;
  /** System. */
  system: SystemColumn;
  /** Why. */
  reason: string;
}

/** Everything a workload reports. */
export interface WorkloadOutput {
  /** Its rows. */
  rows: ResultRow[];
}

/** Picks the p50 of each summary as the compared value. */
export function p50Values(summaries: Partial<Record<SystemColumn, Summary>>): Partial<Record<SystemColumn, number>> {
  const out: Partial<Record<SystemColumn, number>> = {};
  for (const [key, summary] of Object.entries(summaries) as [SystemColumn, Summary][]) out[key] = summary.p50;
  return out;
}

/** A system of the growing-state workload: @lg, LangGraph with its standard channel, LangGraph's DeltaChannel. */
export type GrowingSystem = "lg" | "langgraph" | "langgraphDelta";

/** The growing-state workload's figures for one system on one backend (milliseconds and bytes). */
export interface GrowingRow {
  /** Backend. */
  backend: BackendName;
  /** System. */
  system: GrowingSystem;
  /** Steps run (one message appended and one checkpoint written per step). */
  steps: number;
  /** First and last step of the early window (inclusive). */
  earlyWindow: [number, number];
  /** First and last step of the late window (inclusive). */
  lateWindow: [number, number];
  /** Per-step overhead in the early window: median step time minus the median without a checkpointer. */
  overheadEarly: number;
  /** The same in the late window. */
  overheadLate: number;
  /** Step times (with the checkpointer) in the early window. */
  stepEarly: Summary;
  /** Step times in the late window. */
  stepLate: Summary;
  /** Step times of the same graph without a checkpointer (one run before and one after, pooled), early window. */
  baselineEarly: Summary;
  /** The same, late window. */
  baselineLate: Summary;
  /** Wall time of the whole measured run. */
  runMs: number;
  /** Bytes the backend holds for the execution, or undefined where it cannot be read. */
  storedBytes: number | undefined;
  /** Bytes of the messages themselves (the raw size of the final state's items). */
  messageBytes: number;
  /** Every step's time (ms, 3 decimals), for plotting how a step's cost grows with the state. */
  stepTimes: number[];
  /** `latest` of the finished execution (@lg only). */
  latest?: Summary;
  /** The raw floor reading one row holding the same checkpoint whole, parsed (@lg only). */
  rawLatest?: Summary;
  /** Bytes of the final state's JSON text, as that raw row holds it. */
  latestStateBytes?: number;
}
