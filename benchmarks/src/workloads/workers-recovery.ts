/**
 * Recovery: worker processes share a store; one holding executions is SIGKILLed, and the time from the kill to the
 * next step of each of its executions on another worker is measured. A sample is one kill: the slowest of the
 * killed worker's executions to go on.
 *
 * @packageDocumentation
 */
import { submit } from "@lg/core";
import type { WorkersSettings } from "../settings.js";
import { quantile } from "../stats.js";
import { Child } from "./workers-fleet.js";
import { recoveryGraph } from "./workers-graphs.js";
import { preciseNow, type ChildConfig, type ChildMessage } from "./workers-protocol.js";
import { openRegistryStore, type StoreLocation, type WorkerBackend } from "./workers-stores.js";

/** The recovery figures of one backend. */
export interface RecoveryResult {
  /** Backend. */
  backend: WorkerBackend;
  /** The workers' lease (L), in milliseconds. */
  leaseMs: number;
  /** The workers' poll interval, in milliseconds. */
  pollMs: number;
  /** Kill-to-next-step times, one per kill (the slowest of the killed worker's executions), in milliseconds. */
  samples: number[];
  /** Where each sample's time went, by the registry's records of its execution (same order as `samples`). */
  phases: RecoveryPhases[];
  /** Medians of `phases`. */
  phaseMedians: RecoveryPhases;
  /** Executions taken over, all kills together. */
  executionsTakenOver: number;
  /** Median of `samples`. */
  p50: number;
  /** 99th percentile of `samples` (interpolated; with fewer than 100 kills it lies between the two largest). */
  p99: number;
  /** Largest sample. */
  max: number;
}

/**
 * One sample split by the registry's record of the execution (its times come from the store's clock, which on one
 * host is the benchmark's): the killed worker's lease still running, the expired lease waiting for a claim, and the
 * new owner from its claim to the node's start (loading the checkpoint, the run's first step).
 */
export interface RecoveryPhases {
  /** From the kill to the killed worker's lease expiry, in milliseconds. */
  leaseLeftMs: number;
  /** From that expiry to another worker's claim. */
  claimWaitMs: number;
  /** From the claim to the node's next start. */
  resumeMs: number;
}

/** The last step seen of an execution: which process ran it, and when. */
interface Seen {
  pid: number;
  at: number;
}

/** A killed worker's execution, waiting for its next step on another process. */
interface Waiter {
  executionId: string;
  killedPid: number;
  killAt: number;
  resolve(at: number): void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every 10 ms until it returns a value; fails with `what` after `timeoutMs`. */
async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`workers recovery: ${what} did not happen in ${timeoutMs} ms`);
    await sleep(10);
  }
}

/**
 * Runs `settings.recoveryExecutions` endless executions on `settings.recoveryProcesses` worker processes and kills a
 * process holding some of them `settings.kills` times, each at a random moment of its heartbeat, replacing it at once
 * (the executions are cancelled and new ones submitted before each kill).
 * Returns a string saying why it cannot run when the store has no registry.
 */
export async function measureRecovery(
  where: StoreLocation,
  settings: WorkersSettings,
  runTag: string,
  log: (message: string) => void,
): Promise<RecoveryResult | string> {
  const opened = await openRegistryStore(where);
  if (typeof opened === "string") return opened;
  const { store, registry } = opened;
  const graph = recoveryGraph(store, settings.tickMs);
  const seen = new Map<string, Seen>();
  const waiters = new Set<Waiter>();
  const onMessage = (message: ChildMessage): void => {
    if (message.type !== "step") return;
    seen.set(message.executionId, { pid: message.pid, at: message.at });
    for (const waiter of waiters) {
      if (waiter.executionId !== message.executionId || message.pid === waiter.killedPid) continue;
      if (message.at <= waiter.killAt) continue;
      waiters.delete(waiter);
      waiter.resolve(message.at);
    }
  };
  const config: ChildConfig = {
    mode: "worker",
    store: where,
    graph: "recovery",
    steps: 0,
    tickMs: settings.tickMs,
    concurrency: settings.recoveryConcurrency,
    leaseMs: settings.leaseMs,
    pollMs: settings.pollMs,
    reportSteps: true,
    executions: [],
  };
  const startWorker = async (): Promise<Child> => {
    const child = await Child.start(config, onMessage);
    child.post({ type: "go" });
    return child;
  };
  const live = new Set<Child>();
  let ids: string[] = [];
  const samples: number[] = [];
  const phases: RecoveryPhases[] = [];
  let takenOver = 0;
  let replacement: Promise<Child> | undefined;
  try {
    for (const child of await Promise.all(Array.from({ length: settings.recoveryProcesses }, startWorker)))
      live.add(child);
    const heartbeatMs = settings.leaseMs / 3;
    for (let kill = 0; kill < settings.kills; kill++) {
      // New executions for every kill: a takeover reads the execution's newest checkpoint, whose cost grows with a
      // long history; every sample is then taken on executions of about the same (short) age.
      await Promise.all(ids.map((id) => registry.cancel(id)));
      ids = Array.from({ length: settings.recoveryExecutions }, (_, i) => `recovery-${runTag}-${kill}-${i}`);
      for (const executionId of ids) await submit(graph, { n: 0 }, { executionId });
      await until("the first step of every execution", 60_000, () =>
        ids.every((id) => seen.has(id)) ? true : undefined,
      );
      // A random moment of the heartbeat: the lease left at the kill is anywhere between 2L/3 and L.
      await sleep(Math.random() * heartbeatMs);
      const victim = await until("a worker running a step", 30_000, () =>
        [...live].find((child) =>
          ids.some(
            (id) => seen.get(id)?.pid === child.pid && preciseNow() - (seen.get(id)?.at ?? 0) < 4 * settings.tickMs,
          ),
        ),
      );
      const held = ids.filter((id) => seen.get(id)?.pid === victim.pid);
      const killAt = preciseNow();
      victim.kill();
      live.delete(victim);
      // Read after the kill: no heartbeat can move these expiries any more.
      const expiries = await Promise.all(held.map(async (id) => (await registry.get(id))?.leaseExpiresAt?.getTime()));
      replacement = startWorker();
      const resumed = held.map(
        (executionId) =>
          new Promise<number>((resolve) => waiters.add({ executionId, killedPid: victim.pid, killAt, resolve })),
      );
      const limitMs = settings.leaseMs + 30_000;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`workers recovery: an execution did not go on within ${limitMs} ms of a kill`)),
          limitMs,
        );
      });
      const at = await Promise.race([Promise.all(resumed), late]).finally(() => clearTimeout(timer));
      const slowest = at.indexOf(Math.max(...at));
      const claimedAt = (await registry.get(held[slowest] as string))?.updatedAt.getTime() ?? Number.NaN;
      const expiry = expiries[slowest] ?? Number.NaN;
      samples.push(Math.max(...at) - killAt);
      phases.push({
        leaseLeftMs: expiry - killAt,
        claimWaitMs: claimedAt - expiry,
        resumeMs: (at[slowest] as number) - claimedAt,
      });
      takenOver += held.length;
      await victim.whenExited();
      live.add(await replacement);
      replacement = undefined;
      log(
        `recovery ${where.backend}: kill ${kill + 1}/${settings.kills}, ${held.length} execution(s) on in ${(Math.max(...at) - killAt).toFixed(0)} ms`,
      );
    }
  } finally {
    const starting = await replacement?.catch(() => undefined);
    if (starting !== undefined) live.add(starting);
    for (const executionId of ids) await registry.cancel(executionId).catch(() => undefined);
    await Promise.allSettled([...live].map((child) => child.stop()));
    await store.close();
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const medianOf = (pick: (p: RecoveryPhases) => number): number =>
    quantile(
      phases.map(pick).sort((a, b) => a - b),
      0.5,
    );
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  return {
    backend: where.backend,
    leaseMs: settings.leaseMs,
    pollMs: settings.pollMs,
    samples: samples.map(round),
    phases: phases.map((p) => ({
      leaseLeftMs: round(p.leaseLeftMs),
      claimWaitMs: round(p.claimWaitMs),
      resumeMs: round(p.resumeMs),
    })),
    phaseMedians: {
      leaseLeftMs: medianOf((p) => p.leaseLeftMs),
      claimWaitMs: medianOf((p) => p.claimWaitMs),
      resumeMs: medianOf((p) => p.resumeMs),
    },
    executionsTakenOver: takenOver,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}
