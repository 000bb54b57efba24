import { InvalidArgumentError } from "@lg/core";
import { resolveSeed } from "./prng.js";

/** Environment variable: executions killed and resumed per store (default 4). */
export const EXECUTIONS_ENV = "LG_RELIABILITY_KILL_EXECUTIONS";

/** Environment variable: kills planned per execution (default 6). */
export const KILLS_ENV = "LG_RELIABILITY_KILLS_PER_EXECUTION";

/** Fewest kill points each store must survive for the suite to pass. */
export const MIN_KILL_POINTS = 20;

/** The knobs of one run of the kill suite. */
export interface KillSettings {
  /** Seed of the kill plan (`LG_RELIABILITY_SEED`). */
  seed: number;
  /** Executions per store, run side by side. */
  executions: number;
  /** Kills planned per execution. */
  killsPerExecution: number;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const given = env[name];
  if (given === undefined || given.trim() === "") return fallback;
  const value = Number(given);
  if (!Number.isInteger(value) || value < 1 || value > 1000) {
    throw new InvalidArgumentError(`${name} must be a whole number from 1 to 1000, got "${given}"`);
  }
  return value;
}

/**
 * Reads the knobs from the environment. The plan must hold at least {@link MIN_KILL_POINTS} kills per store, so
 * lowering the counts cannot turn the suite into one that proves less.
 */
export function resolveKillSettings(env: NodeJS.ProcessEnv = process.env): KillSettings {
  const settings = {
    seed: resolveSeed(env),
    executions: positiveInteger(env, EXECUTIONS_ENV, 4),
    killsPerExecution: positiveInteger(env, KILLS_ENV, 6),
  };
  if (settings.executions * settings.killsPerExecution < MIN_KILL_POINTS) {
    throw new InvalidArgumentError(
      `${EXECUTIONS_ENV} × ${KILLS_ENV} must plan at least ${MIN_KILL_POINTS} kills per store, got ${settings.executions} × ${settings.killsPerExecution}`,
    );
  }
  return settings;
}
