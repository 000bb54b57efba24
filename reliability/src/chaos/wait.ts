import type { ExecutionRecord, ExecutionRegistry, ExecutionStatus } from "@lg/core";

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `check` every `everyMs` until it returns true or `withinMs` passed; resolves with whether it did. A bound,
 * never a fixed sleep: on a busy machine the answer may take many times longer than on an idle one.
 */
export async function pollUntil(
  check: () => Promise<boolean> | boolean,
  withinMs: number,
  everyMs = 200,
): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

/** Every registry record with `status`, through all pages. */
export async function recordsWith(registry: ExecutionRegistry, status: ExecutionStatus): Promise<ExecutionRecord[]> {
  const records: ExecutionRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await registry.list({ status, limit: 500, ...(cursor === undefined ? {} : { cursor }) });
    records.push(...page.records);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return records;
}

/** `promise`, or a rejection saying `what` did not happen within `ms` milliseconds. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
