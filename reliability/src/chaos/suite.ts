import { join } from "node:path";
import type { StoreKind } from "../kill/stores.js";
import { openCampaignStore, runChaosCampaign, type CampaignPlan, type CampaignRun } from "./campaign.js";
import { checkChainCampaign, type ChainFindings } from "./checks.js";
import { startChaosEnvironment, type ChaosEnvironment } from "./environment.js";
import { recordChaosFigures, type ChaosFigures } from "./figures.js";
import { recoveryLatency, type RecoveryLatency } from "./latency.js";
import { resolveChaosSettings, type ChaosSettings } from "./settings.js";
import { runZombieScenario } from "./zombie.js";

/** Longest a campaign test may take: start-up, the kill phase, the drain bound and the checks, with room. */
const CAMPAIGN_TIMEOUT_MS = 330_000;

/** Longest the zombie test may take (each of its waits is bounded well below this). */
const ZOMBIE_TIMEOUT_MS = 200_000;

/** A campaign and what its checks found. */
interface CheckedCampaign {
  run: CampaignRun;
  findings: ChainFindings;
  recovery: RecoveryLatency;
}

/** Runs one campaign on the environment's store, checks it, prints its figures and expects no problem. */
async function checkedCampaign(
  environment: ChaosEnvironment,
  settings: ChaosSettings,
  plan: CampaignPlan,
): Promise<CheckedCampaign> {
  const target = await openCampaignStore(environment);
  try {
    const run = await runChaosCampaign(environment, target, settings, plan);
    const findings = await checkChainCampaign(target, run);
    const recovery = recoveryLatency(run.kills, findings.histories);
    const errors = [...new Set(run.errors.map((e) => `${e.where}:${e.code}`))];
    console.log(
      `${environment.spec.kind} ${plan.name}: ${run.executionIds.length} executions, ${run.kills.length} SIGKILLs ` +
        `(${run.kills.filter((kill) => kill.held.length > 0).length} of a worker holding executions) in ` +
        `${(run.killPhaseMs / 1000).toFixed(1)} s, all done after ${(run.totalMs / 1000).toFixed(1)} s; ` +
        `${run.workersStarted} workers started (median start-up ${run.workerStartMs} ms); ${findings.calls} effect calls (${findings.repeatedCalls} made again ` +
        `after a kill fell between the effect and its record); versions per execution ${findings.versions.join(", ")}; ` +
        `errors the workers reported: ${errors.join(", ") || "none"}; recovery from a SIGKILL to the next step ` +
        `elsewhere: p50 ${recovery.p50Ms} ms, p99 ${recovery.p99Ms} ms, max ${recovery.maxMs} ms over ` +
        `${recovery.samples} executions (${recovery.withoutNextStep} held ones had no step left), leaseMs ` +
        `${settings.leaseMs}, pollMs ${settings.pollMs}`,
    );
    expect(findings.problems).toEqual([]);
    expect(run.kills.length).toBeGreaterThan(0);
    return { run, findings, recovery };
  } finally {
    await target.close();
  }
}

/**
 * Registers one store's chaos suite with jest: worker processes SIGKILLed at random under a load of executions
 * (every execution finished exactly once per step), the recovery latency of kills with slots to spare, and a zombie
 * worker resumed after another took its execution over. Prints and records the figures
 * (`.results/chaos/<store>.json`).
 */
export function describeChaosSuite(kind: StoreKind, packageDir: string): void {
  const settings = resolveChaosSettings();
  let environment: ChaosEnvironment | undefined;
  let figures: ChaosFigures | undefined;
  const ready = (): ChaosEnvironment => {
    if (environment === undefined) throw new Error(`the ${kind} chaos environment did not start`);
    return environment;
  };

  beforeAll(async () => {
    console.log(`chaos suite on ${kind}: seed ${settings.seed} (replay with LG_RELIABILITY_SEED=${settings.seed})`);
    environment = await startChaosEnvironment(kind, packageDir);
  }, 60_000);

  afterAll(async () => {
    if (figures !== undefined) console.log(recordChaosFigures(join(packageDir, ".results"), figures));
    await environment?.dispose();
  }, 30_000);

  it(
    `${kind}: ${settings.executions} executions of a 20-step chain finish exactly once per step while workers are SIGKILLed`,
    async () => {
      const plan = { name: "chain", executions: settings.executions, stepDelayMs: 0 };
      const { run, findings, recovery } = await checkedCampaign(ready(), settings, plan);
      figures = {
        store: kind,
        seed: settings.seed,
        executions: run.executionIds.length,
        workersStarted: run.workersStarted,
        workerStartMs: run.workerStartMs,
        kills: run.kills.length,
        killsHolding: run.kills.filter((kill) => kill.held.length > 0).length,
        versionsPerExecution: findings.versions[0] ?? 0,
        effectCalls: findings.calls,
        repeatedCalls: findings.repeatedCalls,
        killPhaseMs: run.killPhaseMs,
        totalMs: run.totalMs,
        recoveryUnderLoad: recovery,
      };
    },
    CAMPAIGN_TIMEOUT_MS,
  );

  it(
    `${kind}: recovery latency from a SIGKILL to the next step on another worker, with slots to spare`,
    async () => {
      const plan = { name: "recovery", ...settings.recovery };
      const { recovery } = await checkedCampaign(ready(), settings, plan);
      if (figures !== undefined) figures.recovery = recovery;
      // Kills that found runs under way left executions to take over, and each takeover is measured.
      expect(recovery.samples).toBeGreaterThan(0);
    },
    CAMPAIGN_TIMEOUT_MS,
  );

  it(
    `${kind}: a zombie worker resumed after another took its execution over has its save refused and stores nothing`,
    async () => {
      const outcome = await runZombieScenario(ready(), settings);
      console.log(
        `${kind}: zombie: taken over ${outcome.takeoverMs} ms after SIGSTOP; after SIGCONT it saw ` +
          `${outcome.zombieErrors.join(", ") || "nothing"}; ${outcome.versions} versions stored`,
      );
      if (figures !== undefined) figures.zombie = { errors: outcome.zombieErrors, takeoverMs: outcome.takeoverMs };
      expect(outcome.problems).toEqual([]);
    },
    ZOMBIE_TIMEOUT_MS,
  );
}
