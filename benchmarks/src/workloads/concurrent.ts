import { sampleAlternating, type Contestant } from "../harness.js";
import { p50Values, type ResultRow, type SystemColumn } from "../results.js";
import type { Settings } from "../settings.js";
import { summarize, type Summary } from "../stats.js";
import type { Subjects } from "../subjects.js";
import { graphRunners, newExecutionId } from "./runners.js";

/**
 * Workload 5: many executions at once on one store — `concurrentExecutions` runs of a `concurrentSteps`-step
 * linear graph started together. Reports the median wall time of the whole batch (JSON also has steps/s).
 */
export async function concurrentWorkload(subjects: Subjects, settings: Settings): Promise<ResultRow[]> {
  const { concurrentExecutions: count } = settings;
  const steps = settings.shapes.concurrentSteps;
  const runners = graphRunners(subjects, settings.shapes, () => undefined, false);
  const contestants: Contestant[] = [...runners].map(([key, runner]) => {
    let ids: string[] = [];
    return {
      name: key,
      run: async () => {
        ids = Array.from({ length: count }, newExecutionId);
        await Promise.all(ids.map((id) => runner.shortLinear(id)));
      },
      afterEach: async () => {
        for (const id of ids) await runner.cleanup(id);
      },
    };
  });
  const samples = await sampleAlternating(contestants, settings.concurrentPlan);
  const summaries: Partial<Record<SystemColumn, Summary>> = {};
  for (const [key, list] of samples) summaries[key as SystemColumn] = summarize(list);
  const throughput: Partial<Record<SystemColumn, number>> = {};
  for (const [key, s] of Object.entries(summaries) as [SystemColumn, Summary][]) {
    throughput[key] = (count * steps) / (s.p50 / 1000);
  }
  return [
    {
      workload: "concurrent",
      backend: subjects.backend,
      metric: `${count} concurrent executions x ${steps} steps, wall p50`,
      values: p50Values(summaries),
      summaries,
    },
    {
      workload: "concurrent",
      backend: subjects.backend,
      metric: "steps per second (not ms; higher is better)",
      values: throughput,
      detailOnly: true,
    },
  ];
}
