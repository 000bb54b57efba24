import { availableParallelism } from "node:os";
import type { StoreTarget } from "../store-url.js";

/**
 * How many threads `export` and `import` use: by default as many as the machine has cores, up to
 * {@link DEFAULT_MAX_JOBS}; one for a store only this process can reach (`memory:`, an in-memory SQLite database),
 * which another thread opening the same URL would not see.
 *
 * @packageDocumentation
 */

/** The most threads used unless `--jobs` says otherwise: beyond two, a SQLite file gains nothing (one writer). */
export const DEFAULT_MAX_JOBS = 2;

/** Whether a thread opening the URL of `target` reaches the same store. */
export function sharedAcrossThreads(target: StoreTarget): boolean {
  if (target.kind === "memory") return false;
  return !(target.kind === "sqlite" && (target.path === ":memory:" || target.path === ""));
}

/** The threads to use for `target`: `requested` (from `--jobs`), else the default; 1 when the store cannot be shared. */
export function threadJobs(target: StoreTarget, requested: number | undefined): number {
  if (!sharedAcrossThreads(target)) return 1;
  return requested ?? Math.max(1, Math.min(availableParallelism(), DEFAULT_MAX_JOBS));
}
