import { InvalidArgumentError, type Checkpoint, type CheckpointStore, type PruneOptions } from "@lg/core";
import { pruneCheckpoints, selectPruneVictims, type PruneCandidate } from "@lg/core/store";
import { assertExecutionExists, walkExecution, walkExecutions } from "./walk.js";

/**
 * `prune`: deletes old checkpoints of one execution or of all, by count (`keepLast`) and age (`olderThan`), with a
 * dry run that lists what would go. Like the runtime's retention it never deletes an execution's newest
 * checkpoint, nor a pause that nothing has continued from (an execution waiting there for a human).
 *
 * @packageDocumentation
 */

/** Which checkpoints may go: outside the newest `keepLast` and older than `olderThan` (both when both are given). */
export interface PruneRules {
  /** Keep the newest N checkpoints of each execution. */
  keepLast?: number;
  /** Delete only checkpoints created before this instant. */
  olderThan?: Date;
}

/** What prune did (or, in a dry run, would do) to one execution. */
export interface PruneResult {
  /** The execution. */
  executionId: string;
  /** Checkpoints deleted (or that would be). */
  deleted: number;
  /** Checkpoints the execution had before. */
  total: number;
  /** In a dry run, the versions that would be deleted, oldest first. */
  versions?: number[];
}

function checkRules(rules: PruneRules): void {
  if (rules.keepLast === undefined && rules.olderThan === undefined) {
    throw new InvalidArgumentError("prune needs --keep-last <n> or --older-than <duration> (or both)");
  }
}

/** True when the checkpoint records a pause (an `interrupt()` or an interruptBefore/After) in its task results. */
function recordsPause(checkpoint: Checkpoint): boolean {
  return (checkpoint.tasks?.interrupts.length ?? 0) > 0;
}

/** Reads what prune needs of an execution: each checkpoint's version and age, and the pauses nothing continues. */
async function survey(
  store: CheckpointStore,
  executionId: string,
): Promise<{ candidates: PruneCandidate[]; protect: string[] }> {
  const candidates: PruneCandidate[] = [];
  const pauses: string[] = [];
  const continued = new Set<string>();
  for await (const cp of walkExecution(store, executionId)) {
    candidates.push({ id: cp.id, version: cp.version, timestamp: cp.timestamp.getTime() });
    if (recordsPause(cp)) pauses.push(cp.id);
    if (cp.parentId !== undefined) continued.add(cp.parentId);
  }
  return { candidates, protect: pauses.filter((id) => !continued.has(id)) };
}

/** Prunes one execution (or, with `dryRun`, reports what would go). Rejects with `ExecutionNotFoundError`. */
export async function pruneExecution(
  store: CheckpointStore,
  executionId: string,
  rules: PruneRules,
  options: { dryRun?: boolean } = {},
): Promise<PruneResult> {
  checkRules(rules);
  await assertExecutionExists(store, executionId);
  return pruneOne(store, executionId, rules, options.dryRun === true);
}

async function pruneOne(
  store: CheckpointStore,
  executionId: string,
  rules: PruneRules,
  dryRun: boolean,
): Promise<PruneResult> {
  const { candidates, protect } = await survey(store, executionId);
  const options: PruneOptions = { ...rules, protect };
  if (dryRun) {
    const victims = new Set(selectPruneVictims(candidates, options));
    const versions = candidates.filter((c) => victims.has(c.id)).map((c) => c.version);
    return { executionId, deleted: versions.length, total: candidates.length, versions };
  }
  const deleted = await pruneCheckpoints(store, executionId, options);
  return { executionId, deleted, total: candidates.length };
}

/** Prunes every execution of the store in turn, yielding one result per execution that had something to delete. */
export async function* pruneAll(
  store: CheckpointStore,
  rules: PruneRules,
  options: { dryRun?: boolean } = {},
): AsyncGenerator<PruneResult> {
  checkRules(rules);
  for await (const execution of walkExecutions(store)) {
    const result = await pruneOne(store, execution.executionId, rules, options.dryRun === true);
    if (result.deleted > 0) yield result;
  }
}
