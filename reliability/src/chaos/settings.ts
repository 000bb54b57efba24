import { InvalidArgumentError } from "@lg/core";
import { resolveSeed } from "../kill/prng.js";

/** How a chaos campaign runs; every figure has a default the issue asks for. */
export interface ChaosSettings {
  /** Seed of the kill schedule and of the choice of victims (`LG_RELIABILITY_SEED`, printed). */
  seed: number;
  /** Executions of the chain graph submitted at once (`LG_RELIABILITY_CHAOS_EXECUTIONS`, default 200). */
  executions: number;
  /** Worker processes running at any time (a killed one is replaced at once). */
  workers: number;
  /** Executions each worker runs at once. */
  concurrency: number;
  /** Lease, heartbeat and poll of every worker, in milliseconds: short, so a killed worker's work is taken over soon. */
  leaseMs: number;
  heartbeatMs: number;
  pollMs: number;
  /** A random worker is killed every `killEveryMs[0]`..`killEveryMs[1]` milliseconds... */
  killEveryMs: readonly [number, number];
  /** ...for this long, or until every execution finished. */
  killPhaseMs: number;
  /** Then the workers left have this long to finish the rest. */
  drainMs: number;
  /**
   * The recovery campaign: fewer executions than the slots of the workers left after a kill (3 x 5), with nodes that
   * take time, so that a killed
   * worker's executions are taken over as soon as their leases expire rather than after a backlog of queued ones;
   * kills a few seconds apart, each once every worker left has started (a process takes seconds on a busy machine).
   */
  recovery: { executions: number; stepDelayMs: number; killEveryMs: readonly [number, number]; steadyFleet: boolean };
}

/** Environment variable: executions of a campaign (fewer for a quick local run; the suite's figures use 200). */
export const EXECUTIONS_ENV = "LG_RELIABILITY_CHAOS_EXECUTIONS";

/** The campaign's settings from the environment, with the defaults the issue asks for. */
export function resolveChaosSettings(env: NodeJS.ProcessEnv = process.env): ChaosSettings {
  const given = env[EXECUTIONS_ENV];
  const executions = given === undefined || given.trim() === "" ? 200 : Number(given);
  if (!Number.isSafeInteger(executions) || executions < 1)
    throw new InvalidArgumentError(`${EXECUTIONS_ENV} must be a positive whole number, got "${String(given)}"`);
  return {
    seed: resolveSeed(env),
    executions,
    workers: 4,
    concurrency: 5,
    leaseMs: 1_500,
    heartbeatMs: 500,
    pollMs: 150,
    killEveryMs: [300, 700],
    killPhaseMs: 30_000,
    drainMs: 120_000,
    recovery: { executions: 12, stepDelayMs: 500, killEveryMs: [1_500, 3_000], steadyFleet: true },
  };
}
