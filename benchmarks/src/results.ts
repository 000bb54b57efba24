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
