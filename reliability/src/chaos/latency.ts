import type { Checkpoint } from "@lg/core";
import type { Kill } from "./campaign.js";

/** Recovery latency over a campaign's kills. */
export interface RecoveryLatency {
  /** Executions held by a killed worker whose next checkpoint was found (one sample each). */
  samples: number;
  /** Held executions with no checkpoint after the kill (their last step was saved; only the release was lost). */
  withoutNextStep: number;
  /** Percentiles and maximum of the samples, in milliseconds (0 without samples). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** The nearest-rank `p` percentile of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/**
 * From each SIGKILL to the next checkpoint of each execution the killed worker held: written by another worker,
 * since the killed one wrote nothing after its death. Checkpoint timestamps and kill times come from the one
 * clock of the host every process shares.
 */
export function recoveryLatency(
  kills: readonly Kill[],
  histories: ReadonlyMap<string, readonly Checkpoint[]>,
): RecoveryLatency {
  const latencies: number[] = [];
  let withoutNextStep = 0;
  for (const kill of kills) {
    for (const executionId of kill.held) {
      const next = histories.get(executionId)?.find((checkpoint) => checkpoint.timestamp.getTime() > kill.at);
      if (next === undefined) withoutNextStep++;
      else latencies.push(next.timestamp.getTime() - kill.at);
    }
  }
  latencies.sort((a, b) => a - b);
  return {
    samples: latencies.length,
    withoutNextStep,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1] ?? 0,
  };
}
