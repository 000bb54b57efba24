import { performance } from "node:perf_hooks";
import type { CheckpointStore } from "../store.js";
import { forwardStore, type StoreOverrides } from "./forward-store.js";
import { checkBuckets, DEFAULT_LATENCY_BUCKETS_MS, LatencyHistogram, type LatencySummary } from "./histogram.js";

/** A store method that {@link withMetrics} times. */
export type StoreOperation = Exclude<keyof CheckpointStore, "capabilities" | "registry">;

/** One timed call handed to `onSlowCall` and (with its error) to `onError`. */
export interface StoreCall {
  /** The store method called. */
  operation: StoreOperation;
  /** How long the call took, in ms, until its promise settled. */
  durationMs: number;
  /** The execution the call was about, when its arguments name one (`save`, `list`, `latest`, `clear`, `prune`). */
  executionId?: string;
}

/** A failed call handed to `onError`. */
export interface FailedStoreCall extends StoreCall {
  /** What the call rejected with, unchanged. */
  error: unknown;
  /** The error's `code` (every `@lg` error has one), or its name when it has none. */
  code: string;
}

/** Options of {@link withMetrics}. */
export interface MetricsOptions {
  /** Upper bounds (ms) of the latency buckets, strictly increasing; {@link DEFAULT_LATENCY_BUCKETS_MS} by default. */
  buckets?: readonly number[];
  /** A call that takes at least this many ms is reported to `onSlowCall` (default 1000; 0 reports every call). */
  slowCallMs?: number;
  /** Called after each slow call settles (successful or not). What it throws is reported as a warning, not passed on. */
  onSlowCall?: (call: StoreCall) => void;
  /** Called after each failed call; the store's caller still gets the error unchanged. */
  onError?: (call: FailedStoreCall) => void;
}

/** What {@link MeteredStore.metrics} reports for one store method. */
export interface OperationMetrics {
  /** Calls made (successful and failed). */
  count: number;
  /** Calls that rejected. */
  errors: number;
  /** Failed calls by error code (see {@link FailedStoreCall.code}). */
  errorsByCode: Record<string, number>;
  /** Latency of every call, failed ones included. */
  latency: LatencySummary;
}

/** A snapshot of a metered store's counters, by store method (only methods called so far are listed). */
export interface StoreMetrics {
  /** When the counters started (the wrapper's creation or the last `resetMetrics`). */
  since: Date;
  /** Counters of each method called. */
  operations: Partial<Record<StoreOperation, OperationMetrics>>;
}

/** A store that times its calls; it behaves exactly as the store it wraps. */
export type MeteredStore = CheckpointStore & {
  /** A snapshot of the counters (a copy: later calls do not change it). */
  metrics(): StoreMetrics;
  /** Starts the counters again from zero. */
  resetMetrics(): void;
};

const TIMED: readonly StoreOperation[] = [
  "save",
  "saveMany",
  "saveSerialized",
  "load",
  "list",
  "listSerialized",
  "listHeaders",
  "latest",
  "delete",
  "clear",
  "listExecutions",
  "prune",
  "ping",
  "stats",
  "close",
];
// Methods whose first argument is an execution id (`save` takes a checkpoint that names it).
const BY_EXECUTION = new Set<StoreOperation>(["list", "listSerialized", "listHeaders", "latest", "clear", "prune"]);

/** Counters of one method. */
class OperationCounters {
  count = 0;
  errors = 0;
  readonly errorsByCode = new Map<string, number>();
  readonly latency: LatencyHistogram;

  constructor(bounds: readonly number[]) {
    this.latency = new LatencyHistogram(bounds);
  }

  snapshot(): OperationMetrics {
    return {
      count: this.count,
      errors: this.errors,
      errorsByCode: Object.fromEntries(this.errorsByCode),
      latency: this.latency.summary(),
    };
  }
}

/**
 * Wraps a store so that every call is timed and counted: per method, the number of calls, the errors by code and a
 * latency histogram with p50/p95/p99 estimates, read with `metrics()`. Slow calls go to `onSlowCall`, failures to
 * `onError`. Nothing else changes: results and errors pass through as they are, capabilities are kept, and a store
 * without a native `prune` stays without one (so core's fallback, whose `list` and `delete` calls are timed, applies).
 */
export function withMetrics(store: CheckpointStore, options: MetricsOptions = {}): MeteredStore {
  const bounds = checkBuckets(options.buckets ?? DEFAULT_LATENCY_BUCKETS_MS);
  const slowCallMs = options.slowCallMs ?? 1000;
  let since = new Date();
  let counters = new Map<StoreOperation, OperationCounters>();

  const observe = (call: StoreCall, error?: { error: unknown }): void => {
    let entry = counters.get(call.operation);
    if (entry === undefined) counters.set(call.operation, (entry = new OperationCounters(bounds)));
    entry.count++;
    entry.latency.record(call.durationMs);
    if (error !== undefined) {
      const code = errorCode(error.error);
      entry.errors++;
      entry.errorsByCode.set(code, (entry.errorsByCode.get(code) ?? 0) + 1);
      notify(options.onError, { ...call, error: error.error, code });
    }
    if (call.durationMs >= slowCallMs) notify(options.onSlowCall, call);
  };

  const timed =
    <A extends unknown[], R>(operation: StoreOperation, method: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const call = (durationMs: number): StoreCall => ({ operation, durationMs, ...executionOf(operation, args) });
      const started = performance.now();
      try {
        const result = await method.apply(store, args);
        observe(call(performance.now() - started));
        return result;
      } catch (error) {
        observe(call(performance.now() - started), { error });
        throw error;
      }
    };

  const overrides: Record<string, unknown> = {};
  for (const operation of TIMED) {
    const method = store[operation] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (typeof method === "function") overrides[operation] = timed(operation, method);
  }
  const metered = forwardStore(store, overrides as StoreOverrides) as MeteredStore;
  metered.metrics = () => {
    const operations: StoreMetrics["operations"] = {};
    for (const [operation, entry] of counters) operations[operation] = entry.snapshot();
    return { since: new Date(since), operations };
  };
  metered.resetMetrics = () => {
    counters = new Map();
    since = new Date();
  };
  return metered;
}

function executionOf(operation: StoreOperation, args: readonly unknown[]): { executionId?: string } {
  const first = args[0];
  if (operation === "save" && typeof first === "object" && first !== null) {
    const executionId = (first as { executionId?: unknown }).executionId;
    return typeof executionId === "string" ? { executionId } : {};
  }
  return BY_EXECUTION.has(operation) && typeof first === "string" ? { executionId: first } : {};
}

function errorCode(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === "string" && code !== "") return code;
    if (typeof name === "string" && name !== "") return name;
  }
  return "UNKNOWN";
}

// A monitoring callback must never change what the store's caller sees: what it throws becomes a warning.
function notify<C>(callback: ((call: C) => void) | undefined, call: C): void {
  if (callback === undefined) return;
  try {
    callback(call);
  } catch (error) {
    process.emitWarning(`withMetrics callback threw: ${error instanceof Error ? error.message : String(error)}`);
  }
}
