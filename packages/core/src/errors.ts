import { types } from "node:util";

/** Every error code `@lg` packages raise. */
export type LgErrorCode =
  | "LG_CHECKPOINT_CONFLICT"
  | "LG_CHECKPOINT_NOT_FOUND"
  | "LG_CHECKPOINT_CORRUPT"
  | "LG_CHECKPOINT_SAVE_FAILED"
  | "LG_STORE_UNAVAILABLE"
  | "LG_STORE_CLOSED"
  | "LG_SERIALIZATION"
  | "LG_INVALID_ARGUMENT"
  | "LG_INVALID_GRAPH"
  | "LG_NODE_FAILED"
  | "LG_RECURSION_LIMIT"
  | "LG_INTERRUPT"
  | "LG_ACCESS_DENIED"
  | "LG_RETENTION_FAILED"
  | "LG_RUN_CANCELLED"
  | "LG_NODE_TIMEOUT"
  | "LG_LEASE_LOST"
  | "LG_EXECUTION_BUSY"
  | "LG_STEP_FAILED"
  | "LG_EXECUTION_FAILED"
  | "LG_WAIT_TIMEOUT";

/** Options accepted by every `@lg` error constructor. */
export interface LgErrorOptions {
  /** The underlying error. */
  cause?: unknown;
}

// Shared by every copy of this module (the ESM and the CommonJS build may both be loaded in one process).
const LG_ERROR_BRAND = Symbol.for("@lg/core/LgError");

/**
 * Base class of every error raised by `@lg` packages; `code` is stable and safe to switch on.
 *
 * `instanceof` works across copies of `@lg/core` in one process (its ESM and CommonJS builds loaded side by side):
 * an error is an instance of an `@lg` error class when it carries the shared brand and the class's name, so a
 * `CheckpointConflictError` thrown by a store built against the other copy is still one.
 */
export class LgError extends Error {
  /** Stable machine-readable code. */
  readonly code: LgErrorCode;

  /** Marks errors from any copy of `@lg/core` (see {@link isLgError}). */
  readonly [LG_ERROR_BRAND] = true;

  /** Creates an error with a code and a message that tells the user what to do. */
  constructor(code: LgErrorCode, message: string, options: LgErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }

  /** `instanceof` by brand and class name, so errors from another copy of `@lg/core` are recognised. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (!isLgError(value)) return false;
    // The base class (of either copy) matches every branded error; a subclass matches its own name and subclasses'.
    if (this.name === "LgError") return true;
    for (
      let proto = Object.getPrototypeOf(value) as object | null;
      proto !== null;
      proto = Object.getPrototypeOf(proto) as object | null
    ) {
      if ((proto as { constructor?: { name?: string } }).constructor?.name === this.name) return true;
    }
    return false;
  }
}

/**
 * Whether `value` is an error raised by any copy of `@lg/core` in this process (optionally with this `code`).
 * Prefer it (or the error's `code`) over `instanceof` in code that may see errors from another build.
 */
export function isLgError(value: unknown, code?: LgErrorCode): value is LgError {
  if (typeof value !== "object" || value === null || (value as Record<symbol, unknown>)[LG_ERROR_BRAND] !== true)
    return false;
  return code === undefined || (value as { code?: unknown }).code === code;
}

/** Another writer already saved this `(executionId, version)`: someone else advanced the execution. */
export class CheckpointConflictError extends LgError {
  /** The execution written to. */
  readonly executionId: string;
  /** The version that was already taken. */
  readonly version: number;

  /** Creates the error for `(executionId, version)`. */
  constructor(executionId: string, version: number, options: LgErrorOptions = {}) {
    super(
      "LG_CHECKPOINT_CONFLICT",
      `checkpoint conflict: execution "${executionId}" already has version ${version}; another worker advanced it. ` +
        "Reload the latest checkpoint and retry, or fork from it.",
      options,
    );
    this.executionId = executionId;
    this.version = version;
  }
}

/** A checkpoint that was asked for does not exist. */
export class CheckpointNotFoundError extends LgError {
  /** The missing checkpoint id, when one was named. */
  readonly checkpointId: string | undefined;
  /** The execution, when known. */
  readonly executionId: string | undefined;

  /** Creates the error; the message keeps the seed's wording `checkpoint not found: <id>`. */
  constructor(what: { checkpointId?: string; executionId?: string }, options: LgErrorOptions = {}) {
    const message =
      what.checkpointId !== undefined
        ? `checkpoint not found: ${what.checkpointId}` +
          (what.executionId !== undefined ? ` (execution "${what.executionId}")` : "")
        : `checkpoint not found: execution "${what.executionId ?? ""}" has no checkpoint to resume from; ` +
          "start it with an input first";
    super("LG_CHECKPOINT_NOT_FOUND", message, options);
    this.checkpointId = what.checkpointId;
    this.executionId = what.executionId;
  }
}

/** Stored data could not be read back (not valid JSON, or not a checkpoint). */
export class CheckpointCorruptError extends LgError {
  /** The checkpoint id, when known. */
  readonly checkpointId: string | undefined;
  /** What is wrong with the stored data. */
  readonly detail: string;

  /** Creates the error for a checkpoint whose stored form is unreadable. */
  constructor(checkpointId: string | undefined, detail: string, options: LgErrorOptions = {}) {
    super(
      "LG_CHECKPOINT_CORRUPT",
      `checkpoint ${checkpointId === undefined ? "" : `"${checkpointId}" `}is corrupt: ${detail}. ` +
        "Restore it from a backup or delete it.",
      options,
    );
    this.checkpointId = checkpointId;
    this.detail = detail;
  }
}

/** Saving a checkpoint failed for a reason other than a conflict; the run stopped. */
export class CheckpointSaveError extends LgError {
  /** The execution whose checkpoint could not be saved. */
  readonly executionId: string;

  /** Wraps the store's error. */
  constructor(executionId: string, cause: unknown) {
    super(
      "LG_CHECKPOINT_SAVE_FAILED",
      `saving a checkpoint of execution "${executionId}" failed: ${messageOf(cause)}. ` +
        "The run stopped before its next step; resume it once the store is healthy.",
      { cause },
    );
    this.executionId = executionId;
  }
}

/** The backend could not be reached or answered with a connection-level failure. */
export class StoreUnavailableError extends LgError {
  /** Creates the error; `message` must never contain a password (use {@link redactSecrets}). */
  constructor(message: string, options: LgErrorOptions = {}) {
    super("LG_STORE_UNAVAILABLE", redactSecrets(message), options);
  }
}

/** A store was used after `close()`. */
export class StoreClosedError extends LgError {
  /** Creates the error for the named store. */
  constructor(storeName: string) {
    super("LG_STORE_CLOSED", `${storeName} is closed; create a new store instance.`);
  }
}

/** A value cannot be stored: a function, symbol, cycle or other unsupported value at `path`. */
export class SerializationError extends LgError {
  /** Where the value sits, e.g. `state.user.callback`. */
  readonly path: string;

  /** Creates the error for the value at `path`. */
  constructor(path: string, detail: string) {
    super("LG_SERIALIZATION", `cannot serialize ${path}: ${detail}`);
    this.path = path;
  }
}

/** An argument or option is malformed. */
export class InvalidArgumentError extends LgError {
  /** Creates the error; the message names the argument and what is expected. */
  constructor(message: string) {
    super("LG_INVALID_ARGUMENT", message);
  }
}

/** The graph definition is inconsistent (unknown node, missing entry point, reserved name …). */
export class InvalidGraphError extends LgError {
  /** Creates the error describing the inconsistency. */
  constructor(message: string) {
    super("LG_INVALID_GRAPH", message);
  }
}

/** A node threw; the run stopped, and the latest saved checkpoint is where a resume continues. */
export class NodeError extends LgError {
  /** The node that failed. */
  readonly node: string;
  /** The execution it ran in. */
  readonly executionId: string;
  /** How many times the node ran before the run gave up (more than 1 under a retry policy). */
  readonly attempts: number;

  /** Wraps the node's error (the last one, when a retry policy ran it several times). */
  constructor(node: string, executionId: string, cause: unknown, attempts = 1) {
    super(
      "LG_NODE_FAILED",
      `node "${node}" failed in execution "${executionId}"${attempts > 1 ? ` after ${attempts} attempts` : ""}: ` +
        `${messageOf(cause)}. Fix the cause and resume the execution (invoke with null input).`,
      { cause },
    );
    this.node = node;
    this.executionId = executionId;
    this.attempts = attempts;
  }
}

/** A node ran longer than its `timeoutMs`: its `context.signal` was aborted and its result is not waited for. */
export class NodeTimeoutError extends LgError {
  /** The node that timed out. */
  readonly node: string;
  /** The limit in milliseconds. */
  readonly timeoutMs: number;

  /** Creates the error for `node` after `timeoutMs`. */
  constructor(node: string, timeoutMs: number) {
    super(
      "LG_NODE_TIMEOUT",
      `node "${node}" did not finish within its timeout of ${timeoutMs} ms; its context.signal was aborted. ` +
        "Raise timeoutMs, or make the node honour the signal and finish sooner.",
    );
    this.node = node;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The run was cancelled through its `signal`. No partial step was committed: the execution stays at its last
 * checkpoint (`checkpointId`) and `invoke(null, { executionId })` resumes it later.
 */
export class RunCancelledError extends LgError {
  /** The execution whose run was cancelled. */
  readonly executionId: string;
  /** The execution's last committed checkpoint, where a resume continues (absent when none was written). */
  readonly checkpointId: string | undefined;
  /** The status the run ended with. */
  readonly status = "cancelled" as const;

  /** Creates the error; `reason` is the signal's abort reason. */
  constructor(executionId: string, checkpointId: string | undefined, reason: unknown) {
    super(
      "LG_RUN_CANCELLED",
      `the run of execution "${executionId}" was cancelled (${messageOf(reason)}); no partial step was saved. ` +
        "Resume it later with invoke(null, { executionId }).",
      { cause: reason },
    );
    this.executionId = executionId;
    this.checkpointId = checkpointId;
  }
}

/** More super-steps ran than `recursionLimit` allows; usually a cycle without an exit. */
export class GraphRecursionError extends LgError {
  /** The limit that was reached. */
  readonly limit: number;

  /** Creates the error for `limit` steps in `executionId`. */
  constructor(limit: number, executionId: string) {
    super(
      "LG_RECURSION_LIMIT",
      `execution "${executionId}" reached the recursion limit of ${limit} super-steps without finishing. ` +
        "Check the graph for a cycle that never reaches END, or raise `recursionLimit`.",
    );
    this.limit = limit;
  }
}

/**
 * Thrown by `interrupt(value)` inside a node to pause the run for a human. The runtime catches it, saves a
 * checkpoint, and returns an interrupted result; callers of `invoke` never see it.
 */
export class GraphInterrupt extends LgError {
  /** The value handed to the human (a question, a draft …). */
  readonly value: unknown;

  /** Creates the interrupt carrying `value`. */
  constructor(value: unknown) {
    super("LG_INTERRUPT", "graph interrupted: resume with invoke(new Command({ resume }), { executionId })");
    this.value = value;
  }
}

/**
 * A retention pass (`maxCheckpoints`) failed after its checkpoint was committed. The step is not failed by it: the
 * run reports it as a `retention` stream event, in `RunResult.retention` and as a process warning; the next save
 * prunes again.
 */
export class RetentionError extends LgError {
  /** The execution whose old checkpoints were not pruned. */
  readonly executionId: string;

  /** Wraps the store's error. */
  constructor(executionId: string, cause: unknown) {
    super(
      "LG_RETENTION_FAILED",
      `pruning old checkpoints of execution "${executionId}" failed after its checkpoint was saved: ${messageOf(cause)}. ` +
        "The step is committed; the next save prunes again.",
      { cause },
    );
    this.executionId = executionId;
  }
}

/** An access-control check refused the operation. */
export class AccessDeniedError extends LgError {
  /** Creates the error for `operation` on `executionId`. */
  constructor(operation: string, executionId: string) {
    super("LG_ACCESS_DENIED", `access denied: ${operation} on execution "${executionId}"`);
  }
}

/** Replaces passwords in connection strings (`scheme://user:secret@host`) and `password=` pairs with `***`. */
export function redactSecrets(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)[^@\s]*@/gi, "$1***@")
    .replace(/(password\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,]+)/gi, "$1***");
}

/** Returns `error.message` for errors (from any realm), a string form otherwise. */
export function messageOf(error: unknown): string {
  return error instanceof Error || types.isNativeError(error) ? (error as Error).message : String(error);
}
