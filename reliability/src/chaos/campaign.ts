import { submit, type CheckpointStore, type ExecutionStatus } from "@lg/core";
import { seededRandom } from "../kill/prng.js";
import { openStore } from "../kill/stores.js";
import { openEffectLog, type EffectCall, type EffectLog, type LandedEffect } from "./effect-log.js";
import type { ChaosEnvironment } from "./environment.js";
import { Fleet, type ReportedError } from "./fleet.js";
import { buildChainGraph, type ChainState } from "./graph.js";
import type { ChaosSettings } from "./settings.js";
import { percentile } from "./latency.js";
import { pollUntil, recordsWith, sleep, within } from "./wait.js";
import type { CompiledGraph } from "@lg/core";

/** How long the first workers may take to open the store (dozens of processes start at once on a busy machine). */
export const READY_WITHIN_MS = 60_000;

/** Which executions a campaign submits. */
export interface CampaignPlan {
  /** Prefix of their ids (campaigns on one store must not share it). */
  name: string;
  /** How many. */
  executions: number;
  /** Milliseconds each node waits before its effect. */
  stepDelayMs: number;
  /** Time between kills, when not the settings' `killEveryMs`. */
  killEveryMs?: readonly [number, number];
  /**
   * Kill only once every worker left has started (claims): the recovery latency then measures the takeover, not the
   * start of a new process (several seconds on a busy machine).
   */
  steadyFleet?: boolean;
}

/** One SIGKILL of a worker. */
export interface Kill {
  /** When the signal was sent (epoch milliseconds, the clock every process of the host shares). */
  at: number;
  /** The worker killed. */
  workerId: string;
  /** The executions it held (running under its lease) when it died. */
  held: string[];
}

/** What a campaign did, for the checks and the figures. */
export interface CampaignRun {
  /** The executions submitted. */
  executionIds: string[];
  /** The kills, in order. */
  kills: Kill[];
  /** Worker processes started in all, and the median of their start-up (fork to claiming), in milliseconds. */
  workersStarted: number;
  workerStartMs: number;
  /** Milliseconds from the first submission to the end of the kill phase, and to the last execution's end. */
  killPhaseMs: number;
  totalMs: number;
  /** Whether every execution finished within the drain bound. */
  drained: boolean;
  /** Registry counts of the whole store at the end. */
  counts: Record<ExecutionStatus, number>;
  /** Every effect call the side table holds, and every effect that landed. */
  calls: EffectCall[];
  landed: LandedEffect[];
  /** Errors the workers reported, and workers that exited on their own. */
  errors: ReportedError[];
  crashes: string[];
}

/** What the driver reads of the side tables once a campaign is over. */
export type EffectReader = Pick<EffectLog, "calls" | "landed">;

/** The driver's handle on the store while a campaign runs and is checked. */
export interface CampaignStore {
  store: CheckpointStore;
  graph: CompiledGraph<ChainState>;
  close(): Promise<void>;
}

/** Opens the store and the side table (creating it) and compiles the chain graph for `submit` and `waitFor`. */
export async function openCampaignStore(environment: ChaosEnvironment): Promise<CampaignStore & EffectReader> {
  const store = await openStore(environment.spec);
  const log = await openEffectLog(environment.spec, true);
  return {
    store,
    graph: buildChainGraph(store, { log, worker: "driver" }),
    calls: () => log.calls(),
    landed: () => log.landed(),
    close: async () => {
      await log.close();
      await store.close();
    },
  };
}

/**
 * The campaign: starts the workers, submits every execution, then SIGKILLs a random worker every few hundred
 * milliseconds and starts a new one in its place, until every execution finished or the kill phase is over; then
 * waits, within the drain bound, for the workers left to finish the rest. Ends every worker process it started.
 */
export async function runChaosCampaign(
  environment: ChaosEnvironment,
  target: CampaignStore & EffectReader,
  settings: ChaosSettings,
  plan: CampaignPlan,
): Promise<CampaignRun> {
  const random = seededRandom(settings.seed);
  const registry = target.store.registry;
  if (registry === undefined) throw new Error(`the ${environment.spec.kind} store has no execution registry`);
  const fleet = new Fleet(
    environment.script,
    {
      store: environment.spec,
      graph: "chain",
      concurrency: settings.concurrency,
      leaseMs: settings.leaseMs,
      heartbeatMs: settings.heartbeatMs,
      pollMs: settings.pollMs,
      stepDelayMs: plan.stepDelayMs,
    },
    plan.name,
  );
  const executionIds = Array.from(
    { length: plan.executions },
    (_, i) => `${plan.name}-${String(i + 1).padStart(3, "0")}`,
  );
  const kills: Kill[] = [];
  try {
    const first = Array.from({ length: settings.workers }, () => fleet.start());
    await within(Promise.all(first.map((worker) => worker.ready)), READY_WITHIN_MS, "the workers did not start");
    // One cheap call per round, whatever the number of executions: earlier campaigns on the store are all done (read
    // before the first submission), and the checks read every execution of this one afterwards.
    const doneBefore = (await registry.counts()).done;
    const finished = async (): Promise<boolean> => (await registry.counts()).done - doneBefore >= executionIds.length;
    const started = Date.now();
    for (const executionId of executionIds) await submit(target.graph, { trail: [] }, { executionId });
    const [least, most] = plan.killEveryMs ?? settings.killEveryMs;
    // Kills keep their cadence: the time a round takes (the kill, the reads) counts towards the next interval.
    let nextKillAt = Date.now() + random.int(least, most);
    while (Date.now() - started < settings.killPhaseMs && !(await finished())) {
      await sleep(Math.max(0, nextKillAt - Date.now()));
      if (plan.steadyFleet === true)
        await pollUntil(() => fleet.live.every((worker) => worker.claiming), READY_WITHIN_MS, 50);
      nextKillAt = Math.max(nextKillAt, Date.now()) + random.int(least, most);
      // A worker still starting (1-3 s on a busy machine, against a kill every half second) holds nothing: the
      // victim is one that holds executions while there is one, else one that claims, else any.
      const owners = new Set((await recordsWith(registry, "running")).map((record) => record.owner));
      const live = fleet.live;
      const holding = live.filter((worker) => owners.has(worker.id));
      const claiming = live.filter((worker) => worker.claiming);
      const pool = holding.length > 0 ? holding : claiming.length > 0 ? claiming : live;
      const victim = pool[random.int(0, pool.length - 1)];
      if (victim === undefined) throw new Error("no live worker to kill");
      const at = await fleet.kill(victim);
      // Read after the kill: its leases stay until they expire, well after this read.
      const held = (await recordsWith(registry, "running"))
        .filter((r) => r.owner === victim.id)
        .map((r) => r.executionId);
      kills.push({ at, workerId: victim.id, held });
      fleet.start();
    }
    const killPhaseMs = Date.now() - started;
    const drained = await pollUntil(finished, settings.drainMs, 250);
    const totalMs = Date.now() - started;
    return {
      executionIds,
      kills,
      workersStarted: fleet.started.length,
      workerStartMs: percentile(
        fleet.started.flatMap((worker) => (worker.startMs === undefined ? [] : [worker.startMs])).sort((a, b) => a - b),
        50,
      ),
      killPhaseMs,
      totalMs,
      drained,
      counts: await registry.counts(),
      calls: await target.calls(),
      landed: await target.landed(),
      errors: fleet.errors,
      crashes: fleet.crashes,
    };
  } finally {
    await fleet.stopAll();
  }
}
