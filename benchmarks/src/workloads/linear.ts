import { performance } from "node:perf_hooks";
import { sampleAlternating } from "../harness.js";
import type { ResultRow, SystemColumn } from "../results.js";
import type { Settings } from "../settings.js";
import { summarize, type Summary } from "../stats.js";
import type { Subjects } from "../subjects.js";
import { freshExecutionContestant, graphRunners, type RunnerKey } from "./runners.js";

const SYSTEMS: readonly SystemColumn[] = ["lg", "langgraph", "langgraphAsync", "raw"];

/** The same graph without any checkpointer; the raw loop has none (its baseline is zero). */
function baselineOf(key: SystemColumn): RunnerKey | undefined {
  if (key === "lg") return "lgNone";
  if (key === "langgraph" || key === "langgraphAsync") return "langgraphNone";
  return undefined;
}

/**
 * Workload 1: a 100-step linear graph whose state grows ~200 bytes per step, every system alternating with the same
 * graph run without a checkpointer. A step is timed from one node start to the next (the raw loop: from one step
 * to the next), so it includes the runtime's work and the checkpoint save. Reports
 * - the per-step checkpoint overhead p50 and p95: the step time percentile minus the same percentile without a
 *   checkpointer (over ~2,400 steps per system: stable even on a busy machine);
 * - the same overhead from whole runs: (median run − median run without a checkpointer) / steps, which also
 *   counts the first read and the input checkpoint but is noisier, as it subtracts two medians of ~24 runs;
 * - step times, whole runs and the no-checkpointer baselines (JSON; the baseline is printed for memory).
 */
export async function linearWorkload(subjects: Subjects, settings: Settings): Promise<ResultRow[]> {
  const steps = settings.shapes.linearSteps;
  const marks: number[] = [];
  const runners = graphRunners(subjects, settings.shapes, () => marks.push(performance.now()), true);
  const gapSamples = new Map<RunnerKey, number[]>();
  const contestants = [...runners].map(([key, runner]) => {
    const gaps: number[] = [];
    gapSamples.set(key, gaps);
    const body = async (id: string): Promise<void> => {
      marks.length = 0;
      await runner.linear(id);
    };
    const keepGaps = (): void => {
      for (let i = 1; i < marks.length; i++) gaps.push((marks[i] ?? 0) - (marks[i - 1] ?? 0));
    };
    return freshExecutionContestant(key, body, (id) => runner.cleanup(id), keepGaps);
  });
  const runSamples = await sampleAlternating(contestants, settings.graphPlan);
  const runs = new Map<RunnerKey, Summary>([...runSamples].map(([key, list]) => [key as RunnerKey, summarize(list)]));
  const gaps = new Map<RunnerKey, Summary>([...gapSamples].map(([key, list]) => [key, summarize(list)]));

  const row = (metric: string, detailOnly = false): ResultRow => ({
    workload: "linear",
    backend: subjects.backend,
    metric,
    values: {},
    summaries: {},
    ...(detailOnly ? { detailOnly } : {}),
  });
  const overheadP50 = row(`per-step overhead p50 (${steps}-step graph)`);
  const overheadP95 = row("per-step overhead p95");
  const overheadRuns = row("per-step overhead from whole runs");
  const stepP50 = row("per-step time p50", true);
  const stepP95 = row("per-step time p95", true);
  const whole = row(`whole ${steps}-step run p50`, true);
  for (const key of SYSTEMS) {
    const gap = gaps.get(key);
    const run = runs.get(key);
    if (gap === undefined || run === undefined) continue;
    const baseKey = baselineOf(key);
    const baseGap = baseKey === undefined ? { p50: 0, p95: 0 } : gaps.get(baseKey);
    const baseRun = baseKey === undefined ? 0 : runs.get(baseKey)?.p50;
    if (baseGap !== undefined) {
      overheadP50.values[key] = gap.p50 - baseGap.p50;
      overheadP95.values[key] = gap.p95 - baseGap.p95;
    }
    if (baseRun !== undefined) overheadRuns.values[key] = (run.p50 - baseRun) / steps;
    stepP50.values[key] = gap.p50;
    stepP95.values[key] = gap.p95;
    whole.values[key] = run.p50;
    if (stepP50.summaries !== undefined) stepP50.summaries[key] = gap;
    if (whole.summaries !== undefined) whole.summaries[key] = run;
  }

  const baseline = row(`whole ${steps}-step run p50, no checkpointer`, subjects.backend !== "memory");
  const baselineStep = row("per-step time p50, no checkpointer", true);
  for (const [column, key] of [
    ["lg", "lgNone"],
    ["langgraph", "langgraphNone"],
  ] as const) {
    const run = runs.get(key);
    const gap = gaps.get(key);
    if (run !== undefined) baseline.values[column] = run.p50;
    if (gap !== undefined) baselineStep.values[column] = gap.p50;
  }
  return [overheadP50, overheadP95, overheadRuns, stepP50, stepP95, whole, baseline, baselineStep];
}
