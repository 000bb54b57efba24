import { sampleAlternating, type Contestant } from "../harness.js";
import { p50Values, type ResultRow, type SystemColumn } from "../results.js";
import type { Settings } from "../settings.js";
import { summarize, type Summary } from "../stats.js";
import type { Subjects } from "../subjects.js";
import type { CheckpointOps } from "../systems/types.js";
import type { SeededExecutions } from "./seeding.js";

/**
 * Workload 4: history — the newest `historyLimit` checkpoints of the longest seeded execution, newest first
 * (@lg `list({ order: "desc", limit })`, LangGraph `list(config, { limit })`, the raw page query).
 */
export async function historyWorkload(
  subjects: Subjects,
  settings: Settings,
  ops: Map<SystemColumn, CheckpointOps>,
  seeded: SeededExecutions,
): Promise<ResultRow[]> {
  const size = Math.max(...settings.resumeSizes);
  const contestants: Contestant[] = [];
  for (const [key, op] of ops) {
    const id = seeded.get(key)?.get(size);
    if (id !== undefined) contestants.push({ name: key, run: () => op.history(id, settings.historyLimit) });
  }
  const samples = await sampleAlternating(contestants, settings.historyPlan);
  const summaries: Partial<Record<SystemColumn, Summary>> = {};
  for (const [key, list] of samples) summaries[key as SystemColumn] = summarize(list);
  return [
    {
      workload: "history",
      backend: subjects.backend,
      metric: `newest ${settings.historyLimit} of ${size.toLocaleString("en-US")} p50`,
      values: p50Values(summaries),
      summaries,
    },
  ];
}
