import { InvalidArgumentError, RunCancelledError } from "../errors.js";
import { ExecutionFailedError, WaitTimeoutError } from "../worker-errors.js";
import { pausesOf } from "../graph/tasks.js";
import type { RunResult } from "../graph/types.js";
import { registryTarget, type WorkerGraph } from "./target.js";
import { watchRegistry } from "./watcher.js";

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many milliseconds with `WaitTimeoutError` (the execution goes on). Default: no limit. */
  timeoutMs?: number;
  /** How often the registry is read when no notification arrives, in milliseconds (default 500). */
  pollMs?: number;
  /** Stops waiting (rejects with `RunCancelledError`); the execution goes on. */
  signal?: AbortSignal;
}

/**
 * Waits until a submitted execution pauses or ends and returns its result as `invoke` would: `done` or
 * `interrupted` (with the pending pauses), from its newest checkpoint. An execution that `failed` or was `cancelled`
 * rejects with `ExecutionFailedError`. Wakes on the store's notifications (LISTEN/NOTIFY, pub/sub) where it has them,
 * and reads the registry every `pollMs` otherwise.
 */
export async function waitFor<S extends object>(
  graph: WorkerGraph,
  executionId: string,
  options: WaitForOptions = {},
): Promise<RunResult<S>> {
  const { store, registry } = registryTarget(graph, "waitFor");
  const pollMs = options.pollMs ?? 500;
  if (!Number.isFinite(pollMs) || pollMs < 1) throw new InvalidArgumentError("waitFor pollMs must be at least 1");
  const timeoutMs = options.timeoutMs;
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0))
    throw new InvalidArgumentError("waitFor timeoutMs must be a number of milliseconds >= 0");
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  let wake: (() => void) | undefined;
  // A change announced while the registry is being read is not lost: the next wait returns at once.
  let changed = false;
  const stopWatching = watchRegistry(registry, (change) => {
    if (change.executionId !== executionId && change.executionId !== "") return;
    changed = true;
    wake?.();
  });
  const onAbort = (): void => wake?.();
  options.signal?.addEventListener("abort", onAbort);
  try {
    for (;;) {
      if (options.signal?.aborted === true) throw new RunCancelledError(executionId, undefined, options.signal.reason);
      changed = false;
      const record = await registry.get(executionId);
      if (record === undefined) throw new InvalidArgumentError(`no execution "${executionId}" was submitted`);
      if (record.status === "failed" || record.status === "cancelled")
        throw new ExecutionFailedError(executionId, record.status, record.error);
      if (record.status === "done" || record.status === "paused") {
        const latest = await store.latest(executionId);
        if (latest === undefined) throw new InvalidArgumentError(`execution "${executionId}" has no checkpoint`);
        const interrupts = record.status === "paused" ? pausesOf(latest) : [];
        return {
          status: record.status === "done" ? "done" : "interrupted",
          state: latest.state as S,
          executionId,
          checkpointId: latest.id,
          version: latest.version,
          next: [...latest.next],
          interrupts,
        };
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new WaitTimeoutError(executionId, timeoutMs ?? 0, record.status);
      if (changed) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(pollMs, left));
        function done(): void {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      });
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    stopWatching();
  }
}
