import { sampleAlternating, type Contestant } from "../harness.js";
import { p50Values, type ResultRow, type SystemColumn } from "../results.js";
import type { Settings } from "../settings.js";
import { summarize, type Summary } from "../stats.js";
import type { Subjects } from "../subjects.js";
import { checkpointOps, newExecutionId } from "./runners.js";

/**
 * Save: one checkpoint (~1 KB of state) written directly through the store (@lg `save`, LangGraph `put`, a raw
 * insert), each call continuing the same execution. The comparison with the raw floor isolates the store's own
 * cost from the runtime's.
 */
export async function saveWorkload(subjects: Subjects, settings: Settings): Promise<ResultRow[]> {
  const ops = checkpointOps(subjects);
  const executions = new Map<SystemColumn, string>();
  const contestants: Contestant[] = [...ops].map(([key, op]) => {
    const id = newExecutionId();
    executions.set(key, id);
    return { name: key, run: () => op.saveNext(id) };
  });
  try {
    const samples = await sampleAlternating(contestants, settings.operationPlan);
    const summaries: Partial<Record<SystemColumn, Summary>> = {};
    for (const [key, list] of samples) summaries[key as SystemColumn] = summarize(list);
    return [
      {
        workload: "save",
        backend: subjects.backend,
        metric: "save one checkpoint p50",
        values: p50Values(summaries),
        summaries,
      },
    ];
  } finally {
    for (const [key, id] of executions) await ops.get(key)?.cleanup(id);
  }
}
