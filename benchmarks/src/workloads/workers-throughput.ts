/**
 * Throughput and heartbeats: the same executions of a graph with a `ctx.step` per node, run by worker processes
 * (claims, leases, fenced saves, heartbeats) and by one process with plain `invoke` (no registry, no lease) at the
 * same total concurrency; and, during the workers' runs, the share of the store's statements that renew leases.
 *
 * @packageDocumentation
 */
import { submit, type CheckpointStore, type ExecutionRegistry, type ExecutionStatus } from "@lg/core";
import type { WorkersSettings } from "../settings.js";
import { Child, type ChildStats } from "./workers-fleet.js";
import { throughputGraph } from "./workers-graphs.js";
import { preciseNow, type ChildConfig } from "./workers-protocol.js";
import { openRegistryStore, type StoreLocation, type WorkerBackend } from "./workers-stores.js";

/** One way of running the executions in one round, timed. */
export interface ThroughputRun {
  /** From `go` to the last execution done (workers: the registry counts it; invoke: its call returned), in ms. */
  elapsedMs: number;
  /** What the process(es) sent to the store and the CPU they used, together. */
  stats: ChildStats;
}

/**
 * One round, every way on new executions: `processes` worker processes (the goal's), one plain-invoke process at the
 * same total concurrency (the baseline), and two ways that tell the cost of the worker's protocol from the cost of
 * more processes on the same cores: one worker process at that total concurrency, and `processes` plain-invoke
 * processes at the workers' concurrency each (no registry, no lease: the workers' layout without their protocol).
 */
export interface ThroughputRound {
  /** The worker processes. */
  workers: ThroughputRun;
  /** The plain-invoke process. */
  invoke: ThroughputRun;
  /** One worker process. */
  singleWorker: ThroughputRun;
  /** As many plain-invoke processes as workers, each at a worker's concurrency. */
  invokeProcesses: ThroughputRun;
}

/** The throughput and heartbeat figures (PostgreSQL). */
export interface ThroughputResult {
  /** Backend. */
  backend: WorkerBackend;
  /** Executions per run. */
  executions: number;
  /** Nodes per execution. */
  steps: number;
  /** Worker processes. */
  processes: number;
  /** Executions each worker runs at once (the invoke process runs `processes × concurrency`). */
  concurrency: number;
  /** The workers' lease, in milliseconds (heartbeat every third of it). */
  leaseMs: number;
  /** Every round. */
  rounds: ThroughputRound[];
  /** Executions per second of the workers (median round). */
  workersPerSecond: number;
  /** Executions per second of plain invoke (median round). */
  invokePerSecond: number;
  /** Executions per second of one worker process at the total concurrency (median round). */
  singleWorkerPerSecond: number;
  /** Executions per second of the plain-invoke processes laid out as the workers (median round). */
  invokeProcessesPerSecond: number;
  /** Lease renewals / statements of the worker processes, all rounds together. */
  renewalShare: number;
}

// The registry's counts read the whole table: read often, they would weigh on the workers' runs alone. Completion is
// told by the registry's notifications; the poll only makes up for a notification that never came.
const POLL_MS = 1_000;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function sum(stats: readonly ChildStats[]): ChildStats {
  return stats.reduce(
    (total, s) => ({
      statements: total.statements + s.statements,
      renewals: total.renewals + s.renewals,
      renewedLeases: total.renewedLeases + s.renewedLeases,
      cpuMs: total.cpuMs + s.cpuMs,
    }),
    { statements: 0, renewals: 0, renewedLeases: 0, cpuMs: 0 },
  );
}

/** Rejects unless every execution ended `done` with the counter at `steps` (a wrong final state is a failure). */
async function expectDone(store: CheckpointStore, ids: readonly string[], steps: number): Promise<void> {
  for (const executionId of ids) {
    const latest = await store.latest(executionId);
    const n = (latest?.state as { n?: number } | undefined)?.n;
    if (n !== steps)
      throw new Error(`workers throughput: ${executionId} ended with n = ${String(n)}, expected ${steps}`);
  }
}

/**
 * Starts a child process for each of `configs` and times them from `go` until the waiter `watch` returns resolves;
 * `watch` is called before `go`, so that nothing that ends early is missed. Returns the children's figures, or kills
 * them all when any fails.
 */
async function timedRun(
  configs: readonly ChildConfig[],
  watch: (children: readonly Child[]) => Promise<() => Promise<unknown>>,
): Promise<ThroughputRun> {
  const started = await Promise.allSettled(configs.map((config) => Child.start(config, () => undefined)));
  const children = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  try {
    const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    const finished = await watch(children);
    const start = preciseNow();
    for (const child of children) child.post({ type: "go" });
    await finished();
    const elapsedMs = preciseNow() - start;
    return { elapsedMs, stats: sum(await Promise.all(children.map((child) => child.stop()))) };
  } catch (error) {
    for (const child of children) child.kill();
    throw error;
  }
}

/**
 * `processes` processes run `ids` with plain `invoke`, `concurrency` at a time each, the ids dealt out in turn; timed
 * from `go` until the last process has run all of its own.
 */
function runInvoke(base: ChildConfig, ids: string[], processes: number, concurrency: number): Promise<ThroughputRun> {
  const shares = Array.from({ length: processes }, (_, p) => ids.filter((_, i) => i % processes === p));
  return timedRun(
    shares.map((executions) => ({ ...base, mode: "invoke", concurrency, executions })),
    async (children) => {
      const finished = Promise.all(children.map((child) => child.whenFinished()));
      return () => finished;
    },
  );
}

/**
 * Starts listening for `ids` to end; the returned function resolves once every one is `done` (told by the registry's
 * notifications, or by its counts on each poll), and rejects when the registry counts a failure more than `before`.
 * Listening starts before the workers do, so that no early notification is missed.
 */
async function watchDone(
  registry: ExecutionRegistry,
  ids: readonly string[],
  before: Record<ExecutionStatus, number>,
): Promise<() => Promise<void>> {
  const waiting = new Set(ids);
  let wake: (() => void) | undefined;
  const unsubscribe = await registry.subscribe?.((change) => {
    if (change.status === "done" && waiting.delete(change.executionId) && waiting.size === 0) wake?.();
  });
  return async () => {
    try {
      for (;;) {
        if (waiting.size === 0) return;
        const counts = await registry.counts();
        if (counts.failed > before.failed) throw new Error("workers throughput: an execution failed");
        if (counts.done - before.done >= ids.length) return;
        await new Promise<void>((resolve) => {
          // The last notification may have come while the counts were read.
          if (waiting.size === 0) return resolve();
          const timer = setTimeout(resolve, POLL_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      await unsubscribe?.();
    }
  };
}

/** `processes` worker processes run `ids`, submitted beforehand; timed until the registry counts them all done. */
async function runWorkers(
  base: ChildConfig,
  store: CheckpointStore,
  ids: string[],
  processes: number,
): Promise<ThroughputRun> {
  const registry = store.registry;
  if (registry === undefined) throw new Error("the store has no execution registry");
  const graph = throughputGraph(store, base.steps);
  for (const executionId of ids) await submit(graph, { n: 0 }, { executionId });
  return timedRun(
    Array.from({ length: processes }, () => base),
    async () => watchDone(registry, ids, await registry.counts()),
  );
}

/**
 * Runs `settings.throughputRounds` rounds on PostgreSQL; each runs the same number of executions each way (see
 * {@link ThroughputRound}), on new execution ids, rotating which way goes first.
 */
export async function measureThroughput(
  where: StoreLocation,
  settings: WorkersSettings,
  runTag: string,
  log: (message: string) => void,
): Promise<ThroughputResult | string> {
  const opened = await openRegistryStore(where);
  if (typeof opened === "string") return opened;
  const { store } = opened;
  const base: ChildConfig = {
    mode: "worker",
    store: where,
    graph: "throughput",
    steps: settings.throughputSteps,
    tickMs: 0,
    concurrency: settings.throughputConcurrency,
    leaseMs: settings.leaseMs,
    pollMs: settings.pollMs,
    reportSteps: false,
    executions: [],
  };
  const total = settings.throughputProcesses * settings.throughputConcurrency;
  const rounds: ThroughputRound[] = [];
  try {
    for (let round = 0; round < settings.throughputRounds; round++) {
      const ids = (way: string): string[] =>
        Array.from({ length: settings.throughputExecutions }, (_, i) => `throughput-${runTag}-${round}-${way}-${i}`);
      const ways: Record<keyof ThroughputRound, () => Promise<ThroughputRun>> = {
        invoke: () => runInvoke(base, ids("invoke"), 1, total),
        workers: () => runWorkers(base, store, ids("workers"), settings.throughputProcesses),
        singleWorker: () => runWorkers({ ...base, concurrency: total }, store, ids("single"), 1),
        invokeProcesses: () =>
          runInvoke(base, ids("invokes"), settings.throughputProcesses, settings.throughputConcurrency),
      };
      const all = ["invoke", "workers", "singleWorker", "invokeProcesses"] as const;
      const runs: Partial<ThroughputRound> = {};
      for (let i = 0; i < all.length; i++) {
        const way = all[(i + round) % all.length] as keyof ThroughputRound;
        runs[way] = await ways[way]();
      }
      const { workers, invoke, singleWorker, invokeProcesses } = runs;
      if (workers === undefined || invoke === undefined || singleWorker === undefined || invokeProcesses === undefined)
        throw new Error("unreachable: every way ran");
      const everyId = ["invoke", "workers", "single", "invokes"].flatMap(ids);
      await expectDone(store, everyId, settings.throughputSteps);
      rounds.push({ workers, invoke, singleWorker, invokeProcesses });
      log(
        `throughput ${where.backend}: round ${round + 1}/${settings.throughputRounds}, ` +
          `${settings.throughputProcesses} workers ${workers.elapsedMs.toFixed(0)} ms, invoke ` +
          `${invoke.elapsedMs.toFixed(0)} ms, 1 worker ${singleWorker.elapsedMs.toFixed(0)} ms, ` +
          `${settings.throughputProcesses} invoke processes ${invokeProcesses.elapsedMs.toFixed(0)} ms`,
      );
    }
  } finally {
    await store.close();
  }
  const perSecond = (ms: number): number => (settings.throughputExecutions * 1000) / ms;
  const all = sum(rounds.map((r) => r.workers.stats));
  return {
    backend: where.backend,
    executions: settings.throughputExecutions,
    steps: settings.throughputSteps,
    processes: settings.throughputProcesses,
    concurrency: settings.throughputConcurrency,
    leaseMs: settings.leaseMs,
    rounds,
    workersPerSecond: median(rounds.map((r) => perSecond(r.workers.elapsedMs))),
    invokePerSecond: median(rounds.map((r) => perSecond(r.invoke.elapsedMs))),
    singleWorkerPerSecond: median(rounds.map((r) => perSecond(r.singleWorker.elapsedMs))),
    invokeProcessesPerSecond: median(rounds.map((r) => perSecond(r.invokeProcesses.elapsedMs))),
    renewalShare: all.statements === 0 ? Number.NaN : all.renewals / all.statements,
  };
}
