import { sampleAlternating } from "../harness.js";
import { p50Values, type ResultRow, type SystemColumn } from "../results.js";
import type { Settings } from "../settings.js";
import { summarize, type Summary } from "../stats.js";
import type { Subjects } from "../subjects.js";
import { freshExecutionContestant, graphRunners } from "./runners.js";

/**
 * Workload 2: a fan-out graph — a dispatcher, then 8 workers in one super-step, then the dispatcher again, for
 * `fanoutRounds` rounds — run to its end on a new execution. Reports the median run time.
 */
export async function fanoutWorkload(subjects: Subjects, settings: Settings): Promise<ResultRow[]> {
  const { fanoutWidth, fanoutRounds } = settings.shapes;
  const runners = graphRunners(subjects, settings.shapes, () => undefined, false);
  const contestants = [...runners].map(([key, runner]) =>
    freshExecutionContestant(
      key,
      (id) => runner.fanout(id),
      (id) => runner.cleanup(id),
    ),
  );
  const samples = await sampleAlternating(contestants, settings.graphPlan);
  const summaries: Partial<Record<SystemColumn, Summary>> = {};
  for (const [key, list] of samples) summaries[key as SystemColumn] = summarize(list);
  return [
    {
      workload: "fanout",
      backend: subjects.backend,
      metric: `run p50 (${fanoutRounds} x ${fanoutWidth} parallel nodes, ${2 * fanoutRounds + 1} super-steps)`,
      values: p50Values(summaries),
      summaries,
    },
  ];
}
