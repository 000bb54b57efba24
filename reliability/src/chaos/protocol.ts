import type { StoreSpec } from "../kill/stores.js";

/** Which graph a worker process serves. */
export type ChaosGraphKind =
  /** The 20-node chain, one counted `context.step` effect per node. */
  | "chain"
  /** One node whose effect waits for the driver's go file: the zombie scenario's graph. */
  | "zombie";

/** What the driver tells a worker process, as JSON in its first argument. */
export interface WorkerOrder {
  /** The store the worker claims from. */
  store: StoreSpec;
  /** The graph it serves. */
  graph: ChaosGraphKind;
  /** Its id in the registry (the driver names it, to tell whose leases a kill left behind). */
  workerId: string;
  /** Lease length, heartbeat and poll interval of the worker, in milliseconds. */
  leaseMs: number;
  heartbeatMs: number;
  pollMs: number;
  /** Executions it runs at once. */
  concurrency: number;
  /** Milliseconds each node of the chain graph waits before its effect (0: none). */
  stepDelayMs: number;
  /** The zombie graph's effect waits until this file exists. */
  goFile?: string;
}

/** What a worker process reports over IPC. */
export type WorkerMessage =
  /** The store is open and the worker claims. */
  | { kind: "ready"; workerId: string }
  /** The zombie graph's effect started in this worker and now waits for the go file. */
  | { kind: "waiting"; workerId: string; executionId: string }
  /**
   * An error the worker process saw, by code: a save the store refused (`where: "save"`), a node whose signal was
   * aborted (`where: "signal"`, the abort's reason), or one the worker handed to `onError`.
   */
  | {
      kind: "error";
      workerId: string;
      where: "save" | "signal" | "worker";
      code: string;
      executionId?: string;
      /** For a refused save: the checkpoint's version, and whether the save was made under a lease. */
      version?: number;
      fenced?: boolean;
    };
