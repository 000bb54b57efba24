import { isLgError, messageOf } from "@lg/core";
import type { BackendName, BadInputCase, Expected } from "./types.js";

/** How one case ended on one backend. */
export interface CaseOutcome {
  /** The case. */
  readonly name: string;
  /** Its area. */
  readonly area: string;
  /** The backend. */
  readonly backend: BackendName;
  /** The expected class and code. */
  readonly expected: { type: string; code: string };
  /** What happened: the error's class and code, or `accepted` when the call did not fail. */
  readonly got: { type: string; code: string | undefined; message: string } | "accepted";
  /** The error was the expected class with the expected code. */
  readonly typed: boolean;
  /** The before and after snapshots of what is stored were equal. */
  readonly unchanged: boolean;
  /** Milliseconds the call took. */
  readonly ms: number;
}

/** The expectation of `c` on `backend`. */
export function expectedOf(c: BadInputCase, backend: BackendName): Expected {
  return c.expectedOn?.[backend] ?? c.expected;
}

/** Runs `call`, turning a synchronous throw into a rejection, and reports what it ended in. */
export async function settle(call: () => unknown): Promise<{ error: unknown } | { value: unknown }> {
  try {
    return { value: await call() };
  } catch (error) {
    return { error };
  }
}

/**
 * Whether `error` is the expected `@lg` error: branded, of the expected class (by `instanceof`, which core makes
 * work across copies of itself) and with the expected code. A raw `TypeError` or a driver error is not.
 */
export function isExpected(error: unknown, expected: Expected): boolean {
  if (!isLgError(error, expected.code)) return false;
  return error instanceof expected.type;
}

/** The error as the report shows it. */
export function describeError(error: unknown): { type: string; code: string | undefined; message: string } {
  const type = (error as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof error;
  const code = (error as { code?: unknown } | null)?.code;
  return { type, code: typeof code === "string" ? code : undefined, message: messageOf(error).slice(0, 300) };
}
