import { sampleAlternating, type Contestant } from "../harness.js";
import { p50Values, type ResultRow, type SystemColumn } from "../results.js";
import type { Settings } from "../settings.js";
import { summarize, type Summary } from "../stats.js";
import type { Subjects } from "../subjects.js";
import type { CheckpointOps } from "../systems/types.js";
import type { SeededExecutions } from "./seeding.js";

/**
 * Workload 3: resume — load the latest checkpoint of an execution that has 10, 1,000 or 10,000 checkpoints
 * (@lg `latest`, LangGraph `getTuple` without a checkpoint id, the raw newest-row query). Every system at every
 * history length is one contestant of a single alternating sampling, so that a change in the machine's load
 * during the workload cannot pass for a dependence on the history length.
 */
export async function resumeWorkload(
  subjects: Subjects,
  settings: Settings,
  ops: Map<SystemColumn, CheckpointOps>,
  seeded: SeededExecutions,
): Promise<ResultRow[]> {
  const contestants: Contestant[] = [];
  const nameOf = (key: SystemColumn, size: number): string => `${key}@${size}`;
  for (const size of settings.resumeSizes) {
    for (const [key, op] of ops) {
      const id = seeded.get(key)?.get(size);
      if (id !== undefined) contestants.push({ name: nameOf(key, size), run: () => op.latest(id) });
    }
  }
  const samples = await sampleAlternating(contestants, settings.operationPlan);
  return settings.resumeSizes.map((size): ResultRow => {
    const summaries: Partial<Record<SystemColumn, Summary>> = {};
    for (const key of ops.keys()) {
      const list = samples.get(nameOf(key, size));
      if (list !== undefined) summaries[key] = summarize(list);
    }
    return {
      workload: "resume",
      backend: subjects.backend,
      metric: `latest of ${size.toLocaleString("en-US")} checkpoints p50`,
      values: p50Values(summaries),
      summaries,
    };
  });
}
