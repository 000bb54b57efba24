/**
 * The messages between the benchmark process and the processes it starts for the workers workload (Node IPC).
 *
 * @packageDocumentation
 */
import type { StoreLocation } from "./workers-stores.js";

/** What a child process is started with (its one command-line argument, as JSON). */
export interface ChildConfig {
  /**
   * `worker`: `createWorker` serving the graph; `invoke`: runs `executions` itself with plain `invoke` (no registry,
   * no lease), `concurrency` at a time.
   */
  mode: "worker" | "invoke";
  /** The shared store. */
  store: StoreLocation;
  /** Which graph: the 10-step throughput graph or the endless recovery graph. */
  graph: "throughput" | "recovery";
  /** Nodes of the throughput graph. */
  steps: number;
  /** How long each tick of the recovery graph works, in milliseconds. */
  tickMs: number;
  /** Executions run at once. */
  concurrency: number;
  /** The worker's lease, in milliseconds. */
  leaseMs: number;
  /** The worker's poll interval, in milliseconds. */
  pollMs: number;
  /** Send a `step` message when a node starts (the recovery measurement; off when throughput is measured). */
  reportSteps: boolean;
  /** The executions an `invoke` process runs (with input `{ n: 0 }`). */
  executions: string[];
}

/** A message from a child process. */
export type ChildMessage =
  /** Its store is open and the graph built; it waits for `go`. */
  | { type: "ready"; pid: number }
  /** A node started (`at`: epoch milliseconds with a fraction, from `performance`). */
  | { type: "step"; executionId: string; node: string; at: number; pid: number }
  /** An `invoke` process ran all its executions, in `elapsedMs` from `go`. */
  | { type: "finished"; elapsedMs: number }
  /** What the process sent to its store from `go` to `stop` (PostgreSQL only; zero elsewhere). */
  | { type: "stats"; statements: number; renewals: number; renewedLeases: number; cpuMs: number }
  /** It failed; the benchmark fails with this message. */
  | { type: "failed"; message: string };

/** A message to a child process. */
export type ParentMessage = { type: "go" } | { type: "stop" };

/** The current time in epoch milliseconds with a fraction, comparable between processes of one host. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
