import { CheckpointConflictError, LgError, messageOf, type LgErrorCode } from "@lg/core";
import {
  BackupLineError,
  errorCode,
  RestoreConflictError,
  StorePackageMissingError,
  StoreUrlError,
} from "../errors.js";

/**
 * The messages between `export` or `import` and the worker threads that read or write for them, each thread with
 * its own connection to the store: bytes travel as transferred `ArrayBuffer`s (moved, not copied), errors as plain
 * fields from which the main thread builds the same typed error again (its class decides the exit code).
 *
 * @packageDocumentation
 */

/** What a thread is started with (its `workerData`). */
export interface ThreadData {
  /** What the thread does. */
  role: "export" | "import";
  /** The store's URL: the thread opens its own connection to the store the main thread has open. */
  storeUrl: string;
  /** Checkpoints per `listSerialized` page (export). */
  pageSize: number;
  /** The memory of the `SharedLock` (shared-lock.ts) the import's threads take around their writes to a SQLite file. */
  writeLock?: SharedArrayBuffer;
}

/** An error as it crosses threads: the fields the CLI's errors are built from. */
export interface ThreadError {
  name: string;
  message: string;
  code?: string;
  /** The `code` of the error's cause (a missing table is told by it). */
  causeCode?: string;
  /** The message of the error's cause. */
  causeMessage?: string;
  /** The package a `StorePackageMissingError` names. */
  packageName?: string;
  line?: number;
  checkpointId?: string;
  executionId?: string;
  version?: number;
  origin?: string;
}

/** Main thread to an export thread: write the checkpoints of one execution, as the `seq`-th of the export. */
export interface ExportExecutionMessage {
  type: "execution";
  seq: number;
  executionId: string;
}

/**
 * Main thread to an import thread: save these lines' checkpoint texts (`bytes[ends[i - 1], ends[i])`, UTF-8; the
 * memory past the last end is unused).
 */
export interface ImportBatchMessage {
  type: "batch";
  seq: number;
  bytes: ArrayBuffer;
  ends: Uint32Array;
  lines: Uint32Array;
}

/** Main thread to an export thread: a chunk was written; one more may be sent, in `bytes` when they are handed back. */
export interface CreditMessage {
  type: "credit";
  bytes?: ArrayBuffer;
}

/** Main thread to any thread: no more work; close the store and exit. */
export interface EndMessage {
  type: "end";
}

/** Anything the main thread sends a thread. */
export type ToThread = ExportExecutionMessage | ImportBatchMessage | CreditMessage | EndMessage;

/** A thread warmed before its work was known (warm-threads.ts) gets it in this message, before any other. */
export interface StartMessage {
  type: "start";
  /** What the thread would have been started with. */
  data: ThreadData;
}

/** Backup lines of the `seq`-th execution: `bytes[0, length)`; `last` on the execution's final message. */
export interface ChunkMessage {
  type: "chunk";
  seq: number;
  bytes: ArrayBuffer;
  length: number;
  checkpoints: number;
  last: boolean;
}

/** The `seq`-th import batch is saved. */
export interface SavedMessage {
  type: "saved";
  seq: number;
}

/** A thread's state: store open (`ready`), work failed (`error`, with the `seq` it was on), store closed (`closed`). */
export type StatusMessage =
  { type: "ready" } | { type: "closed" } | { type: "error"; seq: number | undefined; error: ThreadError };

/** Anything a thread sends the main thread. */
export type FromThread = ChunkMessage | SavedMessage | StatusMessage;

const stringField = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const numberField = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);

/** The fields of `error` that {@link rebuildError} needs. */
export function toThreadError(error: unknown): ThreadError {
  const e = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
  const fields: ThreadError = {
    name: stringField(e.name) ?? "Error",
    message: messageOf(error),
  };
  const optional: Partial<ThreadError> = {
    code: errorCode(error),
    causeCode: errorCode(e.cause),
    causeMessage: e.cause === undefined ? undefined : messageOf(e.cause),
    packageName: stringField(e.packageName),
    line: numberField(e.line),
    checkpointId: stringField(e.checkpointId),
    executionId: stringField(e.executionId),
    version: numberField(e.version),
    origin: stringField(e.origin),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) Object.assign(fields, { [key]: value });
  }
  return fields;
}

/** The typed error a thread reported, built again in the main thread with its class, code and message. */
export function rebuildError(fields: ThreadError): Error {
  const cause =
    fields.causeMessage === undefined && fields.causeCode === undefined
      ? undefined
      : Object.assign(new Error(fields.causeMessage ?? fields.message), { code: fields.causeCode });
  const options = cause === undefined ? {} : { cause };
  let error: Error;
  if (fields.name === "BackupLineError" && fields.line !== undefined) {
    error = new BackupLineError(fields.line, fields.message, fields.checkpointId, options);
  } else if (
    fields.name === "RestoreConflictError" &&
    fields.origin !== undefined &&
    fields.executionId !== undefined &&
    fields.version !== undefined
  ) {
    error = new RestoreConflictError(
      fields.origin,
      new CheckpointConflictError(fields.executionId, fields.version, options),
    );
  } else if (fields.name === "StoreUrlError") {
    error = new StoreUrlError("", "");
  } else if (fields.name === "StorePackageMissingError" && fields.packageName !== undefined) {
    error = new StorePackageMissingError(fields.packageName, options);
  } else if (fields.code !== undefined) {
    error = new LgError(fields.code as LgErrorCode, fields.message, options);
    Object.defineProperty(error, "name", { value: fields.name, configurable: true, writable: true });
  } else {
    error = new Error(fields.message, options);
    error.name = fields.name;
  }
  error.message = fields.message;
  return error;
}

/** A failure during the work tagged `seq`, carrying the original error. */
export class ThreadWorkError extends Error {
  /** The work item the failure happened on. */
  seq: number | undefined;

  /** Wraps `error`. */
  constructor(readonly original: unknown) {
    super("thread work failed");
  }
}
