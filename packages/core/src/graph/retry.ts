import { InvalidGraphError, isLgError } from "../errors.js";

/**
 * How a node that throws is run again before its step fails. Set per node (`addNode(name, fn, { retry })`) or for
 * every node of a graph (`compile({ retry })`); a node's own policy wins.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 3). `1` never retries. */
  maxAttempts?: number;
  /** Wait before the second attempt, in milliseconds (default 200). */
  initialDelayMs?: number;
  /** Each further wait is the previous one times this factor (default 2). */
  backoffFactor?: number;
  /** Upper bound of one wait, in milliseconds (default 10,000). */
  maxDelayMs?: number;
  /**
   * Spread the waits at random between half and all of the computed wait (default `true`), so many executions that
   * failed together do not retry in lockstep.
   */
  jitter?: boolean;
  /**
   * Whether this error (after `attempt` attempts) is worth another attempt. Default: every error except a timeout of
   * the whole run and `@lg` errors that a retry cannot fix (a bad argument, an unstorable value, a graph error).
   */
  retryOn?: (error: unknown, attempt: number) => boolean;
}

/** A policy with every field decided. */
export interface ResolvedRetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  backoffFactor: number;
  maxDelayMs: number;
  jitter: boolean;
  retryOn: (error: unknown, attempt: number) => boolean;
}

/** No policy: a node runs once. */
export const NO_RETRY: ResolvedRetryPolicy = {
  maxAttempts: 1,
  initialDelayMs: 0,
  backoffFactor: 1,
  maxDelayMs: 0,
  jitter: false,
  retryOn: () => false,
};

/** `@lg` errors a retry cannot fix: the same input fails the same way. */
const PERMANENT = new Set(["LG_INVALID_ARGUMENT", "LG_INVALID_GRAPH", "LG_SERIALIZATION", "LG_RUN_CANCELLED"]);

function retryByDefault(error: unknown): boolean {
  return !(isLgError(error) && PERMANENT.has(error.code));
}

/** Fills a policy's defaults, refusing malformed fields with {@link InvalidGraphError} naming `where`. */
export function resolveRetryPolicy(policy: RetryPolicy | undefined, where: string): ResolvedRetryPolicy | undefined {
  if (policy === undefined) return undefined;
  if (policy === null || typeof policy !== "object") throw new InvalidGraphError(`${where} retry must be an object`);
  const resolved: ResolvedRetryPolicy = {
    maxAttempts: policy.maxAttempts ?? 3,
    initialDelayMs: policy.initialDelayMs ?? 200,
    backoffFactor: policy.backoffFactor ?? 2,
    maxDelayMs: policy.maxDelayMs ?? 10_000,
    jitter: policy.jitter ?? true,
    retryOn: policy.retryOn ?? retryByDefault,
  };
  const wrong = (field: string, expected: string, value: unknown): never => {
    throw new InvalidGraphError(`${where} retry.${field} must be ${expected}, got ${String(value)}`);
  };
  if (!Number.isSafeInteger(resolved.maxAttempts) || resolved.maxAttempts < 1)
    wrong("maxAttempts", "a positive integer", resolved.maxAttempts);
  for (const field of ["initialDelayMs", "maxDelayMs"] as const) {
    if (!Number.isFinite(resolved[field]) || resolved[field] < 0)
      wrong(field, "a number of milliseconds >= 0", resolved[field]);
  }
  if (!Number.isFinite(resolved.backoffFactor) || resolved.backoffFactor < 1)
    wrong("backoffFactor", "a number >= 1", resolved.backoffFactor);
  if (typeof resolved.jitter !== "boolean") wrong("jitter", "a boolean", resolved.jitter);
  if (typeof resolved.retryOn !== "function") wrong("retryOn", "a function", resolved.retryOn);
  return resolved;
}

/** The wait before attempt `attempt + 1`, after `attempt` failed attempts. */
export function retryDelayMs(policy: ResolvedRetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.backoffFactor ** (attempt - 1));
  return policy.jitter ? base / 2 + (random() * base) / 2 : base;
}
