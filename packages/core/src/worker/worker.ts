import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { InvalidArgumentError, isLgError, messageOf } from "../errors.js";
import { LeaseLostError } from "../worker-errors.js";
import type { ExecutionRegistry, Lease, LeaseFence, ReleaseOutcome, ServedGraph } from "../registry.js";
import type { CheckpointStore } from "../store.js";
import { isCommand } from "../graph/command.js";
import type { GraphInput } from "../graph/compiled-graph.js";
import { listCheckpointHeaders } from "../store-helpers.js";
import { decodeSubmission } from "./submission.js";
import { registryTarget, type WorkerGraph } from "./target.js";
import { watchRegistry } from "./watcher.js";
import { Wakeup } from "./wakeup.js";

/** The checkpoint metadata key naming the submission a run works on: tells a landed input from one still to apply. */
export const SUBMISSION_METADATA_KEY = "lg_submission";

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  /** The graphs this worker runs, each named (`compile({ name, version, checkpoint })`), all on one store. */
  graphs: readonly WorkerGraph[];
  /** The store whose registry the worker claims from (default: the graphs' store; it must be theirs). */
  store?: CheckpointStore;
  /** Executions run at once (default 4). */
  concurrency?: number;
  /** Length of a lease in milliseconds (default 30,000): a crashed worker's executions are taken over after it. */
  leaseMs?: number;
  /** How often held leases are renewed, in milliseconds (default a third of `leaseMs`). */
  heartbeatMs?: number;
  /**
   * How often the registry is asked for work when no notification came, in milliseconds (default 500): it bounds how
   * soon an expired lease is noticed, and is the only wake-up on a store without notifications (SQLite).
   */
  pollMs?: number;
  /** This worker's id in the registry (`owner`); default `host:pid:random`. */
  workerId?: string;
  /**
   * Stop gracefully on SIGTERM and SIGINT (default `true`): finish the step under way of every run, hand the executions
   * back, then let the signal end the process as it would have.
   */
  stopOnSignals?: boolean;
  /** How long `stop` waits for runs to finish their step before abandoning them to their lease (default `leaseMs`). */
  stopTimeoutMs?: number;
  /** Told about failures the worker handles itself (a claim or renewal the store refused); default: a warning. */
  onError?: (error: unknown, executionId?: string) => void;
}

/** A running worker (see {@link createWorker}). */
export interface Worker {
  /** Its id in the registry. */
  readonly id: string;
  /** How many executions it is running now. */
  readonly active: number;
  /**
   * Stops claiming, lets each run finish the step under way, and hands the executions back (`queued`) for another
   * worker; resolves when done. Calling it again returns the same promise.
   */
  stop(): Promise<void>;
}

interface Running {
  fence: LeaseFence;
  /** Aborted when the lease is lost: the run stops at once and commits nothing more. */
  lost: AbortController;
  /** Aborted by `stop`: the run ends after its step under way. */
  stopping: AbortController;
  done: Promise<void>;
}

/**
 * Starts a worker: it claims queued executions of the graphs it serves (and executions whose lease expired, from a
 * crashed or stalled worker), runs them with the normal runtime under a lease it renews, and releases each when it
 * pauses or ends. Every checkpoint it saves is fenced by the lease: a worker that lost its lease commits nothing.
 * Any number of workers, in any number of processes and machines, may share one store.
 */
export function createWorker(options: WorkerOptions): Worker {
  return new WorkerLoop(options);
}

class WorkerLoop implements Worker {
  readonly id: string;
  private readonly store: CheckpointStore;
  private readonly registry: ExecutionRegistry;
  private readonly graphs = new Map<string, WorkerGraph>();
  private readonly served: ServedGraph[] = [];
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly stopTimeoutMs: number;
  private readonly runs = new Map<string, Running>();
  private readonly wakeup = new Wakeup();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly stopWatching: () => void;
  private readonly onError: (error: unknown, executionId?: string) => void;
  private readonly detachSignals: () => void;
  private stopped: Promise<void> | undefined;
  private readonly loop: Promise<void>;

  constructor(private readonly options: WorkerOptions) {
    if (options === null || typeof options !== "object") throw new InvalidArgumentError("createWorker takes options");
    if (!Array.isArray(options.graphs) || options.graphs.length === 0)
      throw new InvalidArgumentError("createWorker needs graphs: at least one named, compiled graph");
    const first = registryTarget(options.graphs[0] as WorkerGraph, "createWorker");
    this.store = options.store ?? first.store;
    for (const graph of options.graphs) {
      const { name, store } = registryTarget(graph, "createWorker");
      if (store !== this.store)
        throw new InvalidArgumentError(`graph "${name}" is compiled with another store than the worker's`);
      const key = graphKey(name, graph.version);
      if (this.graphs.has(key))
        throw new InvalidArgumentError(`graph "${name}" version "${graph.version}" is given twice`);
      this.graphs.set(key, graph);
      this.served.push({ name, version: graph.version });
    }
    this.registry = first.registry;
    this.concurrency = positive("concurrency", options.concurrency ?? 4);
    this.leaseMs = positive("leaseMs", options.leaseMs ?? 30_000);
    const heartbeatMs = positive("heartbeatMs", options.heartbeatMs ?? Math.max(1, Math.floor(this.leaseMs / 3)));
    if (heartbeatMs >= this.leaseMs) throw new InvalidArgumentError("heartbeatMs must be shorter than leaseMs");
    this.pollMs = positive("pollMs", options.pollMs ?? 500);
    this.stopTimeoutMs = positive("stopTimeoutMs", options.stopTimeoutMs ?? this.leaseMs);
    this.id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
    this.onError =
      options.onError ??
      ((error, executionId) =>
        process.emitWarning(
          `worker ${this.id}${executionId === undefined ? "" : ` (${executionId})`}: ${messageOf(error)}`,
        ));
    this.heartbeat = setInterval(() => void this.renew(), heartbeatMs);
    this.heartbeat.unref();
    this.stopWatching = watchRegistry(this.registry, (change) => {
      if (change.status === "queued" || change.executionId === "") this.wakeup.wake();
    });
    this.detachSignals = options.stopOnSignals === false ? () => undefined : this.attachSignals();
    this.loop = this.claimLoop();
  }

  get active(): number {
    return this.runs.size;
  }

  stop(): Promise<void> {
    this.stopped ??= this.shutDown();
    return this.stopped;
  }

  private async shutDown(): Promise<void> {
    this.detachSignals();
    this.wakeup.wake();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.stopTimeoutMs)));
    // A claim stuck on a frozen backend does not hold the stop past its bound either.
    await Promise.race([this.loop, late]);
    for (const run of this.runs.values()) run.stopping.abort(new Error(`worker ${this.id} is stopping`));
    const all = Promise.all([...this.runs.values()].map((run) => run.done));
    await Promise.race([all, late]);
    clearTimeout(timer);
    // Runs still in a step past the timeout are abandoned: their lease expires and another worker takes them over.
    for (const run of this.runs.values()) run.lost.abort(new Error(`worker ${this.id} stopped`));
    clearInterval(this.heartbeat);
    this.stopWatching();
  }

  private attachSignals(): () => void {
    return stopOnSignals(this);
  }

  private async claimLoop(): Promise<void> {
    while (this.stopped === undefined) {
      const free = this.concurrency - this.runs.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const leases = await this.registry.claim({
            owner: this.id,
            graphs: this.served,
            limit: free,
            leaseMs: this.leaseMs,
          });
          claimed = leases.length;
          for (const lease of leases) this.launch(lease);
        } catch (error) {
          this.onError(error);
        }
      }
      // A full claim may have left more work waiting: ask again at once; otherwise wait for a wake-up or the poll.
      if (this.stopped !== undefined) break;
      if (free > 0 && claimed === free) continue;
      await this.wakeup.wait(this.pollMs);
    }
  }

  private launch(lease: Lease): void {
    const run: Running = {
      fence: { executionId: lease.executionId, token: lease.token },
      lost: new AbortController(),
      stopping: new AbortController(),
      done: Promise.resolve(),
    };
    if (this.stopped !== undefined) run.stopping.abort(new Error(`worker ${this.id} is stopping`));
    this.runs.set(lease.executionId, run);
    run.done = this.execute(lease, run)
      .catch((error: unknown) => this.onError(error, lease.executionId))
      .finally(() => {
        this.runs.delete(lease.executionId);
        this.wakeup.wake();
      });
  }

  /** Runs one claimed execution to its pause or end and releases it with the outcome. */
  private async execute(lease: Lease, run: Running): Promise<void> {
    const { executionId, record } = lease;
    const graph = this.graphs.get(graphKey(record.graphName, record.graphVersion));
    if (graph === undefined) {
      // The claim is filtered by the served versions; a record changed under it is handed back untouched.
      await this.release(run, { status: "queued" });
      return;
    }
    let outcome: ReleaseOutcome;
    try {
      const { input, idempotencyKey } = await this.pendingInput(lease);
      const result = await graph.invoke(input, {
        executionId,
        lease: run.fence,
        signal: run.lost.signal,
        stopSignal: run.stopping.signal,
        metadata: { [SUBMISSION_METADATA_KEY]: record.inputKey },
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      });
      outcome = { status: result.status === "done" ? "done" : "paused" };
    } catch (error) {
      if (leaseLost(error) || run.lost.signal.aborted) return; // another worker holds it now, or it was cancelled
      if (isLgError(error, "LG_RUN_CANCELLED")) outcome = { status: "queued" };
      else if (retryable(error)) {
        // The store failed or another writer moved the execution on: it runs again from its last checkpoint, after a
        // pause that grows with its claims, so that a failure that repeats does not spin.
        await this.backOff(run, record.attempts);
        outcome = { status: "queued" };
      } else outcome = { status: "failed", error: messageOf(error) };
    }
    await this.release(run, outcome);
  }

  /**
   * What to run for a claimed execution, so that a submission applies once even when a worker died after it landed:
   * new input carries the submission as its idempotency key (the runtime continues from the latest checkpoint when
   * the key is already there, with no read of its own); a `Command`'s answer has no such key, so the newest
   * checkpoint's header is read and names the submission once the answer landed.
   */
  private async pendingInput(lease: Lease): Promise<{ input: GraphInput<never>; idempotencyKey?: string }> {
    const { executionId, record } = lease;
    const input = decodeSubmission<never>(record.input);
    if (input === null) return { input };
    if (!isCommand(input)) return { input, idempotencyKey: `submission:${record.inputKey}` };
    const [newest] = await listCheckpointHeaders(this.store, executionId, { order: "desc", limit: 1 });
    return { input: newest?.metadata[SUBMISSION_METADATA_KEY] === record.inputKey ? null : input };
  }

  /** Waits 100 ms x 2^(attempts - 1), at most half a lease (the lease is renewed meanwhile), or until stopped. */
  private async backOff(run: Running, attempts: number): Promise<void> {
    const ms = Math.min(this.leaseMs / 2, 100 * 2 ** Math.min(Math.max(attempts - 1, 0), 16));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        run.stopping.signal.removeEventListener("abort", done);
        resolve();
      }
      run.stopping.signal.addEventListener("abort", done, { once: true });
    });
  }

  private async release(run: Running, outcome: ReleaseOutcome): Promise<void> {
    try {
      await this.registry.release(run.fence, outcome);
    } catch (error) {
      if (!leaseLost(error)) throw error;
    }
  }

  /** One heartbeat: renews every held lease in one call and stops the runs whose lease was lost. */
  private async renew(): Promise<void> {
    const fences = [...this.runs.values()].map((run) => run.fence);
    if (fences.length === 0) return;
    try {
      const { lost } = await this.registry.renew(fences, this.leaseMs);
      const renewed = new Map(fences.map((fence) => [fence.executionId, fence.token]));
      for (const executionId of lost) {
        const run = this.runs.get(executionId);
        // Only the run whose lease this renewal was about: the execution may have been released and claimed again
        // by this worker, under a new token, while the renewal was on its way.
        if (run !== undefined && run.fence.token === renewed.get(executionId))
          run.lost.abort(new LeaseLostError(executionId));
      }
    } catch (error) {
      this.onError(error);
    }
  }
}

/** Workers of this process that stop on SIGTERM/SIGINT; one handler serves them all. */
const signalled = new Set<Worker>();
let signalHandler: ((signal: NodeJS.Signals) => void) | undefined;

/**
 * Registers `worker` to stop on SIGTERM and SIGINT; returns its removal. On the signal every registered worker stops,
 * and once all of them have handed their executions back, and nobody else handles the signal, it is raised again
 * so that it ends the process as it would have without the handler.
 */
function stopOnSignals(worker: Worker): () => void {
  signalled.add(worker);
  if (signalHandler === undefined) {
    const handler = (signal: NodeJS.Signals): void => {
      const stopping = [...signalled].map((each) => each.stop());
      detachHandler();
      void Promise.allSettled(stopping).then(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    signalHandler = handler;
    process.on("SIGTERM", handler);
    process.on("SIGINT", handler);
  }
  return () => {
    signalled.delete(worker);
    if (signalled.size === 0) detachHandler();
  };
}

function detachHandler(): void {
  if (signalHandler === undefined) return;
  process.removeListener("SIGTERM", signalHandler);
  process.removeListener("SIGINT", signalHandler);
  signalHandler = undefined;
}

function graphKey(name: string, version: string): string {
  return JSON.stringify([name, version]);
}

function positive(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1)
    throw new InvalidArgumentError(`createWorker ${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** Whether the error (or one it wraps) says the lease is gone. */
function leaseLost(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth++) {
    if (isLgError(current, "LG_LEASE_LOST")) return true;
    current = (current as { cause?: unknown } | null)?.cause;
  }
  return false;
}

/**
 * Failures of the store or of concurrency rather than of the execution: it goes back to the queue and runs again
 * (from its last checkpoint) rather than being marked failed.
 */
function retryable(error: unknown): boolean {
  return (
    isLgError(error, "LG_STORE_UNAVAILABLE") ||
    isLgError(error, "LG_CHECKPOINT_SAVE_FAILED") ||
    isLgError(error, "LG_CHECKPOINT_CONFLICT") ||
    isLgError(error, "LG_STORE_CLOSED")
  );
}
