/**
 * The errors of workers and their executions: leases, submissions, waits and recorded steps.
 */
import { LgError } from "./errors.js";

/**
 * A worker's lease on an execution is no longer held (another worker claimed it after the lease expired, or it was
 * cancelled or cleared): the save or release under it was refused and nothing was written. The execution goes on
 * with whoever holds it now; the refused worker drops it.
 */
export class LeaseLostError extends LgError {
  /** The execution the lease was on. */
  readonly executionId: string;

  /** Creates the error for `executionId`. */
  constructor(executionId: string) {
    super(
      "LG_LEASE_LOST",
      `the lease on execution "${executionId}" is no longer held (taken over after it expired, cancelled or cleared); ` +
        "nothing was written. Drop the execution: the worker that holds it now continues it.",
    );
    this.executionId = executionId;
  }
}

/** A submission with a new key reached an execution that is still queued or running. */
export class ExecutionBusyError extends LgError {
  /** The busy execution. */
  readonly executionId: string;

  /** Creates the error for `executionId` and its current status. */
  constructor(executionId: string, status: string) {
    super(
      "LG_EXECUTION_BUSY",
      `execution "${executionId}" is ${status}; submit new input once it has paused or ended ` +
        "(or resubmit with the same key, which is a no-op).",
    );
    this.executionId = executionId;
  }
}

/**
 * What a `context.step(name, fn)` threw the first time, given back when the node runs again: the effect's failure was
 * recorded, so `fn` is not called again. The original error's name, message and code are kept.
 */
export class StepFailedError extends LgError {
  /** The recorded step's name. */
  readonly stepName: string;
  /** The original error's class name. */
  readonly originalName: string;
  /** The original error's `code`, when it had a string one. */
  readonly originalCode?: string;

  /** Creates the error from what was recorded. */
  constructor(stepName: string, recorded: { name: string; message: string; code?: string }) {
    super("LG_STEP_FAILED", `step "${stepName}" failed before and was recorded: ${recorded.name}: ${recorded.message}`);
    this.stepName = stepName;
    this.originalName = recorded.name;
    if (recorded.code !== undefined) this.originalCode = recorded.code;
  }
}

/** An execution run by a worker ended `failed` (or `cancelled`): `waitFor` reports it with the recorded error. */
export class ExecutionFailedError extends LgError {
  /** The execution. */
  readonly executionId: string;
  /** How it ended. */
  readonly status: "failed" | "cancelled";

  /** Creates the error from the registry's record. */
  constructor(executionId: string, status: "failed" | "cancelled", error: string | undefined) {
    super(
      "LG_EXECUTION_FAILED",
      status === "cancelled"
        ? `execution "${executionId}" was cancelled`
        : `execution "${executionId}" failed: ${error ?? "no error was recorded"}. Its progress is kept: submit new ` +
            "input (or a Command) to run it again.",
    );
    this.executionId = executionId;
    this.status = status;
  }
}

/** `waitFor` reached its `timeoutMs` before the execution paused or ended; the execution itself goes on. */
export class WaitTimeoutError extends LgError {
  /** The execution waited for. */
  readonly executionId: string;

  /** Creates the error for `executionId` after `timeoutMs`. */
  constructor(executionId: string, timeoutMs: number, status: string) {
    super(
      "LG_WAIT_TIMEOUT",
      `execution "${executionId}" was still ${status} after ${timeoutMs} ms; it goes on — wait again to see it end`,
    );
    this.executionId = executionId;
  }
}
