import { waitFor, type Checkpoint } from "@lg/core";
import type { CampaignRun, CampaignStore } from "./campaign.js";
import type { EffectCall, LandedEffect } from "./effect-log.js";
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
 * Checks the effects of one execution against the call ids its final `trail` holds: each node's effect landed exactly
 * once (one idempotency key, one landed call), the state holds the landed call's id, every call of the node used
 * that one key, and every call before the last came from a `killed` worker (its outcome was never recorded, so the
 * next worker called again, and the key made that call land nothing). `byStep` and `landedByStep` hold the calls and
 * the landed effects by execution and node (`executionId + "\u0000" + node`), calls in call order.
 */
export function checkEffects(
  executionId: string,
  trail: readonly string[],
  byStep: ReadonlyMap<string, readonly EffectCall[]>,
  landedByStep: ReadonlyMap<string, readonly LandedEffect[]>,
  killed: ReadonlySet<string>,
): { problems: string[]; repeated: number } {
  const problems: string[] = [];
  let repeated = 0;
  CHAIN_NODES.forEach((node, i) => {
    const step = `${executionId}\u0000${node}`;
    const made = byStep.get(step) ?? [];
    const landed = landedByStep.get(step) ?? [];
    if (made.length === 0) return problems.push(`${executionId} ${node}: the effect was never called`);
    if (landed.length !== 1)
      return problems.push(
        `${executionId} ${node}: the effect landed ${landed.length} times, under keys ${landed.map((e) => e.key).join(", ")}`,
      );
    const effect = landed[0] as LandedEffect;
    if (trail[i] !== effect.callId)
      problems.push(
        `${executionId} ${node}: the state holds call ${String(trail[i])}, the effect landed with ${effect.callId}`,
      );
    for (const call of made)
      if (call.key !== effect.key) problems.push(`${executionId} ${node}: call ${call.callId} used another key`);
    const earlier = made.slice(0, -1);
    repeated += earlier.length;
    for (const call of earlier)
      if (!killed.has(call.worker))
        problems.push(`${executionId} ${node}: called again after call ${call.callId}, whose worker was not killed`);
    return undefined;
  });
  return { problems, repeated };
}

/** Groups calls or landed effects by execution and node, in order. */
function groupByStep<T extends { executionId: string; node: string }>(items: readonly T[]): Map<string, T[]> {
  const grouped = new Map<string, T[]>();
  for (const item of items) {
    const key = `${item.executionId}\u0000${item.node}`;
    grouped.set(key, [...(grouped.get(key) ?? []), item]);
  }
  return grouped;
}

/** Whether `versions` are 1..N, each once. */
function contiguous(versions: readonly number[]): boolean {
  return versions.every((version, i) => version === i + 1);
}

/**
 * Checks what a campaign left: every execution `done` in the registry, nothing queued, running, paused or failed;
 * `waitFor` returns each one's final state, whose `trail` holds one landed call per node in order; the history has
 * versions 1..N with no gap and no duplicate; every node's effect of every execution landed exactly once; a call is
 * made again only when the worker that made an earlier one was SIGKILLed before the step recorded it (counted in
 * `repeatedCalls`: its key made it land nothing).
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
  const byStep = groupByStep(calls);
  const landedByStep = groupByStep(run.landed.filter((effect) => own.has(effect.executionId)));
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
    const effects = checkEffects(executionId, trail, byStep, landedByStep, killed);
    problems.push(...effects.problems);
    repeatedCalls += effects.repeated;
  }
  if (calls.length !== n * CHAIN_NODES.length + repeatedCalls)
    problems.push(`the side table holds ${calls.length} calls, expected ${n * CHAIN_NODES.length + repeatedCalls}`);
  if (versions.size > 1)
    problems.push(`finished executions have different numbers of versions: ${[...versions].join(", ")}`);
  return { problems, versions: [...versions], calls: calls.length, repeatedCalls, histories };
}
