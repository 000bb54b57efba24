import type { ArmedPoint } from "./points.js";
import type { StoreSpec } from "./stores.js";

/** What the driver tells a child, as JSON in its first argument. */
export interface ChildOrder {
  /** The store to open. */
  store: StoreSpec;
  /** The execution to start, or to resume when it has checkpoints. */
  executionId: string;
  /** Where to die; absent for a run that is only ever stopped from outside (or not at all). */
  point?: ArmedPoint;
  /** File the child appends its {@link Hit} to before it kills itself. */
  markerFile: string;
}

/** What a child reports over IPC. */
export type ChildMessage =
  /** Opened the store and read the execution's latest version (0: none); the graph starts now. */
  | { kind: "ready"; latestVersion: number }
  /** The execution is finished; `runMs` is the time the graph ran in this process. */
  | { kind: "done"; runMs: number };
