import { InvalidArgumentError } from "@lg/core";

/**
 * A small seeded pseudo-random generator (mulberry32): the same seed gives the same kill plan on every machine, so
 * a failing run can be replayed with `LG_RELIABILITY_SEED`.
 */

/** Environment variable that fixes the seed of the kill plan. */
export const SEED_ENV = "LG_RELIABILITY_SEED";

/** A stream of numbers in [0, 1) fixed by its seed. */
export interface Random {
  /** The seed the stream started from. */
  readonly seed: number;
  /** The next number in [0, 1). */
  next(): number;
  /** A whole number in [min, max] (both included). */
  int(min: number, max: number): number;
  /** The items in an order fixed by the stream (a copy; the input is untouched). */
  shuffle<T>(items: readonly T[]): T[];
}

/** Creates the stream of `seed` (taken as an unsigned 32-bit integer). */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = (): number => {
    // mulberry32: 32 bits of state, full period, good enough spread for picking test points.
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    seed: seed >>> 0,
    next,
    int,
    shuffle<T>(items: readonly T[]): T[] {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = int(0, i);
        [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
      }
      return copy;
    },
  };
}

/**
 * The seed of this run: `LG_RELIABILITY_SEED` when set (a whole number), otherwise a fresh one, so that runs keep
 * exploring new points while any one of them can be replayed.
 */
export function resolveSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env[SEED_ENV];
  if (given === undefined || given.trim() === "") return Math.floor(Math.random() * 2 ** 32);
  const seed = Number(given);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new InvalidArgumentError(`${SEED_ENV} must be a whole number from 0 to 4294967295, got "${given}"`);
  }
  return seed;
}
