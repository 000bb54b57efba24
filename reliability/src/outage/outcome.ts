import { isLgError } from "@lg/core";

/** How a call under an outage ended: the error it rejected with (or none) and when. */
export interface Outcome<T> {
  /** The rejection, or `undefined` when the call resolved. */
  error: unknown;
  /** The value, when the call resolved. */
  value: T | undefined;
  /** `performance.now()` at the settlement. */
  at: number;
}

/** Waits for `promise` and reports how it settled and when, without throwing. */
export async function settle<T>(promise: Promise<T>): Promise<Outcome<T>> {
  try {
    const value = await promise;
    return { error: undefined, value, at: performance.now() };
  } catch (error) {
    return { error, value: undefined, at: performance.now() };
  }
}

/**
 * The `@lg` codes along the error's `cause` chain, outermost first: `["LG_CHECKPOINT_SAVE_FAILED",
 * "LG_STORE_UNAVAILABLE"]` for a run stopped by a save the store could not make. Anything that is not an `@lg`
 * error ends the chain as `untyped: <name>`, so an untyped error cannot pass for a typed one.
 */
export function codeChain(error: unknown): string[] {
  const codes: string[] = [];
  for (
    let current = error;
    current !== undefined && codes.length < 8;
    current = (current as { cause?: unknown }).cause
  ) {
    if (!isLgError(current)) {
      if (codes.length === 0) codes.push(`untyped: ${current instanceof Error ? current.name : typeof current}`);
      break; // a driver error as the cause of a typed error is expected; only the typed part is reported
    }
    codes.push(current.code);
  }
  return codes;
}

/** The code chain as one string for tables: `LG_CHECKPOINT_SAVE_FAILED > LG_STORE_UNAVAILABLE`, or `none`. */
export function describeCodes(error: unknown): string {
  return error === undefined ? "none" : codeChain(error).join(" > ");
}

/** Whether the error says "the store is unavailable", directly or as the cause of a failed save. */
export function isUnavailable(error: unknown): boolean {
  return codeChain(error).includes("LG_STORE_UNAVAILABLE");
}
