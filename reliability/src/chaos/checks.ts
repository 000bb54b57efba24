import { waitFor, type Checkpoint } from "@lg/core";
import type { CampaignRun, CampaignStore } from "./campaign.js";
import type { EffectCall } from "./effect-log.js";
import { CHAIN_NODES } from "./graph.js";

/** What the checks found, besides the problems. */
export interface ChainFindings {
  /** Problems found (empty: the campaign passed). */
  problems: string[];
  /** Versions of a finished execution (the same for all when they pass). */
  versions: number[];
  /** Effect calls in the side table, and those beyond one per (execution, node). */
  calls: number;
  repeatedCalls: number;
  /** Histories read, by execution: the recovery latency is measured on them. */
  histories: Map<string, Checkpoint[]>;
}

/**
 * Checks the effect calls of one execution against the call ids its final `trail` holds: each node's effect was
 * called, the state holds its last call, and every earlier call came from a `killed` worker (its outcome was never
 * recorded). `byStep` holds the calls by execution and node (`executionId + "\u0000" + node`), in call order.
 */
export function checkEffects(
  executionId: string,
  trail: readonly string[],
  byStep: ReadonlyMap<string, readonly EffectCall[]>,
  killed: ReadonlySet<string>,
): { problems: string[]; repeated: number } {
  const problems: string[] = [];
  let repeated = 0;
  CHAIN_NODES.forEach((node, i) => {
    const made = byStep.get(`${executionId}\u0000${node}`) ?? [];
    const recorded = trail[i];
    const last = made[made.length - 1];
    if (last === undefined) return problems.push(`${executionId} ${node}: the effect was never called`);
    if (recorded !== last.callId)
      problems.push(
        `${executionId} ${node}: the state holds call ${String(recorded)}, the last call was ${last.callId}`,
      );
    const earlier = made.slice(0, -1);
    repeated += earlier.length;
    for (const call of earlier)
      if (!killed.has(call.worker))
        problems.push(`${executionId} ${node}: called again after call ${call.callId}, whose worker was not killed`);
    return undefined;
  });
  return { problems, repeated };
}

/** Whether `versions` are 1..N, each once. */
function contiguous(versions: readonly number[]): boolean {
  return versions.every((version, i) => version === i + 1);
}

/**
 * Checks what a campaign left: every execution `done` in the registry, nothing queued, running, paused or failed;
 * `waitFor` returns each one's final state, whose `trail` holds one recorded call per node in order; the history has
 * versions 1..N with no gap and no duplicate; the side table holds a call of every node of every execution, and one
 * only, unless the worker that made an earlier call was SIGKILLed before the step recorded it (that call was never
 * recorded, and the recorded one is the last), which is counted in `repeatedCalls`.
 */
export async function checkChainCampaign(target: CampaignStore, run: CampaignRun): Promise<ChainFindings> {
  const problems: string[] = [];
  const n = run.executionIds.length;
  if (!run.drained) problems.push(`not every execution finished within the drain bound: ${JSON.stringify(run.counts)}`);
  for (const [status, count] of Object.entries(run.counts))
    if (status !== "done" && count !== 0) problems.push(`${count} executions left ${status}`);
  for (const crash of run.crashes) problems.push(`a worker exited on its own: ${crash}`);
  const killed = new Set(run.kills.map((kill) => kill.workerId));
  const own = new Set(run.executionIds);
  const calls = run.calls.filter((call) => own.has(call.executionId));
  const byStep = new Map<string, EffectCall[]>();
  for (const call of calls) {
    const key = `${call.executionId}\u0000${call.node}`;
    byStep.set(key, [...(byStep.get(key) ?? []), call]);
  }
  const versions = new Set<number>();
  const histories = new Map<string, Checkpoint[]>();
  let repeatedCalls = 0;
  for (const executionId of run.executionIds) {
    const result = await waitFor<{ trail: string[] }>(target.graph, executionId, { timeoutMs: 10_000 });
    if (result.status !== "done") problems.push(`${executionId}: waitFor says ${result.status}`);
    const record = await target.store.registry?.get(executionId);
    if (record?.status !== "done" || record.owner !== undefined)
      problems.push(`${executionId}: the registry record is ${String(record?.status)}, owner ${String(record?.owner)}`);
    const history = await target.store.list(executionId);
    histories.set(executionId, history);
    const numbers = history.map((checkpoint) => checkpoint.version);
    versions.add(numbers.length);
    if (!contiguous(numbers))
      problems.push(`${executionId}: versions ${numbers.join(",")} are not 1..${numbers.length}`);
    if (history[history.length - 1]?.id !== result.checkpointId)
      problems.push(`${executionId}: waitFor's checkpoint is not the newest of the history`);
    const trail = result.state.trail;
    if (trail.length !== CHAIN_NODES.length) problems.push(`${executionId}: trail has ${trail.length} calls`);
    const effects = checkEffects(executionId, trail, byStep, killed);
    problems.push(...effects.problems);
    repeatedCalls += effects.repeated;
  }
  if (calls.length !== n * CHAIN_NODES.length + repeatedCalls)
    problems.push(`the side table holds ${calls.length} calls, expected ${n * CHAIN_NODES.length + repeatedCalls}`);
  if (versions.size > 1)
    problems.push(`finished executions have different numbers of versions: ${[...versions].join(", ")}`);
  return { problems, versions: [...versions], calls: calls.length, repeatedCalls, histories };
}
