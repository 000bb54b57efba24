import {
  StoreUnavailableError,
  type Checkpoint,
  type CheckpointStore,
  type ExecutionPage,
  type ListExecutionsOptions,
  type ListOptions,
  type PruneOptions,
  type StoreCapabilities,
  type StoreStats,
} from "@lg/core";

/** The store methods a fault plan can target. */
export type FaultyMethod =
  "save" | "load" | "list" | "latest" | "delete" | "clear" | "listExecutions" | "prune" | "ping" | "stats" | "close";

/** One call that went through a {@link FaultyStore}. */
export interface FaultyCall {
  /** The method called. */
  method: FaultyMethod;
  /** 1-based number of this call among the calls of the same method. */
  n: number;
  /** The arguments, as passed. */
  args: readonly unknown[];
  /** What the wrapper did: passed on, injected a failure, dropped the call, or left it hanging. */
  outcome: "passed" | "failed" | "dropped" | "hung";
}

/** Faults for one method. Calls are counted per method from 1; a call that matches no rule passes through. */
export interface MethodFaults {
  /** Fail the Nth call (or each listed call). */
  failOn?: number | readonly number[];
  /** Fail every call after the first N. */
  failAfter?: number;
  /** Fail calls for which this returns true (e.g. saves of one execution). */
  failWhen?: (call: { n: number; args: readonly unknown[] }) => boolean;
  /**
   * When a failing call fails: `"before"` (default) without reaching the store; `"after"` once the store has
   * done it, as when a write lands but the acknowledgement is lost.
   */
  phase?: "before" | "after";
  /** Delay every call of this method by this many milliseconds before it reaches the store. */
  delayMs?: number;
  /**
   * Never settle the selected calls (all calls, or those picked by `failOn`/`failAfter`/`failWhen` when one of
   * them is set): `true` hangs until {@link FaultyStore.releaseHangs}; `{ ms }` rejects with the fault error
   * after `ms`, like a client-side timeout.
   */
  hang?: boolean | { ms: number };
  /**
   * Resolve the selected calls without reaching the store: a save that silently writes nothing, a delete that
   * deletes nothing; reads yield `undefined`, `[]` or an empty page.
   */
  drop?: boolean;
}

/** Which calls of which methods misbehave, and with what error. */
export type FaultPlan = { [M in FaultyMethod]?: MethodFaults } & {
  /** The error injected failures throw (default: `StoreUnavailableError` naming the method and call). */
  error?: (call: { method: FaultyMethod; n: number }) => Error;
};

/** A {@link CheckpointStore} wrapper returned by {@link faultyStore}. */
export interface FaultyStore extends CheckpointStore {
  /** Every call made through the wrapper, in order. */
  readonly calls: FaultyCall[];
  /** The wrapped store, for checking what really got stored. */
  readonly inner: CheckpointStore;
  /** Rejects every call left hanging by `hang: true` with the fault error; returns how many were released. */
  releaseHangs(): number;
}

function selects(faults: MethodFaults, n: number, args: readonly unknown[]): boolean {
  const failOn = faults.failOn;
  const picked =
    (typeof failOn === "number" ? failOn === n : (failOn?.includes(n) ?? false)) ||
    (faults.failAfter !== undefined && n > faults.failAfter) ||
    (faults.failWhen?.({ n, args }) ?? false);
  const hasSelector = faults.failOn !== undefined || faults.failAfter !== undefined || faults.failWhen !== undefined;
  return picked || (!hasSelector && (faults.hang !== undefined || faults.drop === true));
}

function droppedResult(method: FaultyMethod): unknown {
  if (method === "list") return [];
  if (method === "listExecutions") return { executions: [] } satisfies ExecutionPage;
  if (method === "prune") return 0;
  if (method === "stats") return { checkpoints: 0, executions: 0 } satisfies StoreStats;
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Wraps a store so that chosen calls fail, are delayed, hang or are silently dropped — for reliability tests of
 * the runtime and of code built on a store. Faults are planned per method and counted per method:
 *
 * ```ts
 * const store = faultyStore(new MemoryCheckpointStore(), { save: { failOn: 3 } });        // 3rd save fails
 * faultyStore(inner, { save: { failAfter: 2 } });                                         // saves 3, 4, … fail
 * faultyStore(inner, { latest: { hang: { ms: 100 } } });                                   // latest times out
 * faultyStore(inner, { save: { drop: true, failOn: 2 } });                                 // 2nd save is lost
 * ```
 *
 * Failures throw `StoreUnavailableError` unless `plan.error` says otherwise. `calls` records every call.
 */
export function faultyStore(inner: CheckpointStore, plan: FaultPlan = {}): FaultyStore {
  const calls: FaultyCall[] = [];
  const counts = new Map<FaultyMethod, number>();
  const hanging = new Set<() => void>();
  const errorFor = (method: FaultyMethod, n: number): Error =>
    plan.error?.({ method, n }) ?? new StoreUnavailableError(`injected fault: ${method} call #${n} failed`);

  async function run<T>(method: FaultyMethod, args: readonly unknown[], real: () => Promise<T>): Promise<T> {
    const n = (counts.get(method) ?? 0) + 1;
    counts.set(method, n);
    const faults = plan[method] ?? {};
    const record: FaultyCall = { method, n, args, outcome: "passed" };
    calls.push(record);
    if (faults.delayMs !== undefined) await sleep(faults.delayMs);
    if (!selects(faults, n, args)) return real();
    if (faults.hang !== undefined && faults.hang !== false) {
      record.outcome = "hung";
      const hang = faults.hang;
      return new Promise<T>((_, reject) => {
        if (hang === true) hanging.add(() => reject(errorFor(method, n)));
        else setTimeout(() => reject(errorFor(method, n)), hang.ms);
      });
    }
    if (faults.drop === true) {
      record.outcome = "dropped";
      return droppedResult(method) as T;
    }
    record.outcome = "failed";
    if (faults.phase === "after") await real();
    throw errorFor(method, n);
  }

  const wrapper: FaultyStore = {
    calls,
    inner,
    get capabilities(): StoreCapabilities | undefined {
      return inner.capabilities;
    },
    releaseHangs() {
      const released = hanging.size;
      for (const release of hanging) release();
      hanging.clear();
      return released;
    },
    save: (cp: Checkpoint) => run("save", [cp], () => inner.save(cp)),
    load: (id: string) => run("load", [id], () => inner.load(id)),
    list: (executionId: string, options?: ListOptions) =>
      run("list", [executionId, options], () => inner.list(executionId, options)),
    latest: (executionId: string) => run("latest", [executionId], () => inner.latest(executionId)),
    delete: (id: string) => run("delete", [id], () => inner.delete(id)),
    clear: (executionId: string) => run("clear", [executionId], () => inner.clear(executionId)),
    listExecutions: (options?: ListExecutionsOptions) =>
      run("listExecutions", [options], () => inner.listExecutions(options)),
    ping: () => run("ping", [], () => inner.ping()),
    stats: () => run("stats", [], () => inner.stats()),
    close: () => run("close", [], () => inner.close()),
  };
  const prune = inner.prune?.bind(inner);
  if (prune !== undefined) {
    wrapper.prune = (executionId: string, options: PruneOptions) =>
      run("prune", [executionId, options], () => prune(executionId, options));
  }
  return wrapper;
}
