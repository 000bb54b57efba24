import type { CheckpointStore, LgErrorCode } from "@lg/core";

/** The stores the suite runs on. */
export type BackendName = "memory" | "sqlite" | "postgres" | "redis";

/** Every backend, in the order the report lists them. */
export const BACKENDS: readonly BackendName[] = ["memory", "sqlite", "postgres", "redis"];

/** What part of the API a bad input is aimed at (the report groups cases by it). */
export type Area =
  | "ids"
  | "store options"
  | "list and prune arguments"
  | "states"
  | "graph building"
  | "invoke options"
  | "updateState and Command"
  | "corrupt data";

/** An `@lg` error class (`instanceof` recognises its errors across copies of core, by brand and class name). */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** The typed error a case must end in. */
export interface Expected {
  /** The error class. */
  readonly type: ErrorClass;
  /** Its stable code. */
  readonly code: LgErrorCode;
}

/**
 * Writes damage underneath a store with the backend's own driver. `sql` runs one statement on a SQL backend,
 * where `$table` stands for the checkpoint table and `$id` for the damaged checkpoint's id; `redis` sends one
 * command, where `$key` stands for the checkpoint's hash key.
 */
export interface RawWriter {
  /** Runs one statement (SQLite and PostgreSQL only). */
  sql?(statement: string, id: string): Promise<void>;
  /** Sends one command (Redis only). */
  redis?(args: readonly string[], id: string): Promise<void>;
}

/** The executions every backend is seeded with before the cases run; no case may change them. */
export interface Seed {
  /** An execution of three checkpoints written with `store.save`. */
  readonly chainExecution: string;
  /** Its checkpoint ids, oldest first. */
  readonly chainIds: readonly string[];
  /** An execution the seed graph ran to its end. */
  readonly doneExecution: string;
  /** An execution the seed graph left paused inside a node, waiting for an answer. */
  readonly pausedExecution: string;
}

/** What a case is handed. */
export interface CaseContext {
  /** The backend the case runs on. */
  readonly backend: BackendName;
  /** The store under test (seeded). */
  readonly store: CheckpointStore;
  /** The seeded executions. */
  readonly seed: Seed;
  /** A fresh identifier starting with `label`, for an execution the case may write to. */
  fresh(label: string): string;
  /**
   * Builds a store of this backend at the same location (same file, schema or server) with `options` merged over
   * the harness's own; how the store-options cases pass their bad option. Never reached for a valid result.
   */
  openWith(options: Record<string, unknown>): Promise<CheckpointStore>;
  /** The backend's driver, for the corrupt-data cases. */
  readonly raw: RawWriter;
}

/** One bad input: what it is, the call it goes to, the typed error it must end in. */
export interface BadInputCase {
  /** Unique, stable name (used in the report). */
  readonly name: string;
  /** The part of the API. */
  readonly area: Area;
  /** The call, as a caller would write it. */
  readonly call: string;
  /** The typed error every backend must answer with, unless `expectedOn` says otherwise for one. */
  readonly expected: Expected;
  /** Per-backend expectations where backends rightly differ (e.g. how a missing column is reported). */
  readonly expectedOn?: Partial<Record<BackendName, Expected>>;
  /** The backends the input applies to (default: all). */
  readonly backends?: readonly BackendName[];
  /**
   * For corrupt-data cases: writes the damage underneath, before the "before" snapshot (so the damage is part of
   * what must stay unchanged), and returns what `run` needs to know (usually the damaged checkpoint).
   */
  prepare?(ctx: CaseContext): Promise<Prepared>;
  /** Makes the call; it must reject (or throw) with the expected error. */
  run(ctx: CaseContext, prepared: Prepared): Promise<unknown> | unknown;
}

/** What `prepare` left for `run`. */
export interface Prepared {
  /** The execution the case wrote to. */
  readonly executionId?: string;
  /** The damaged checkpoint. */
  readonly checkpointId?: string;
  /** Every checkpoint the case wrote (removed with the driver once the case is done). */
  readonly checkpointIds?: readonly string[];
}
