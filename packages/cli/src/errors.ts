import {
  CheckpointConflictError,
  CheckpointCorruptError,
  CheckpointNotFoundError,
  InvalidArgumentError,
  LgError,
  messageOf,
  redactSecrets,
  type LgErrorOptions,
} from "@lg/core";

/**
 * The errors of `lg-checkpoints` and the exit code of each kind of failure. Each error is a subclass of core's
 * `LgError` with the core `code` closest in meaning; `exitCodeOf` tells them apart for scripts.
 *
 * @packageDocumentation
 */

/** Exit codes of `lg-checkpoints`, one per kind of failure, so scripts can react without parsing messages. */
export const EXIT_CODES = {
  /** Success. */
  ok: 0,
  /** An unexpected failure (a bug, or an error the CLI does not classify). */
  failure: 1,
  /** Wrong command-line usage: unknown command or option, missing or malformed argument. */
  usage: 2,
  /** The store URL is malformed, names an unknown kind of store, or points at no database. */
  badUrl: 3,
  /** The store package the URL needs (`@lg/store-…`) is not installed. */
  packageMissing: 4,
  /** The server did not answer (refused, timed out, authentication failed). */
  unreachable: 5,
  /** The execution or checkpoint named does not exist. */
  notFound: 6,
  /** A backup line is not valid JSON, fails its checksum or is not a checkpoint. */
  corruptBackup: 7,
  /** A checkpoint of the same execution and version but other content is already stored. */
  conflict: 8,
  /** After a copy, the target holds fewer checkpoints than were read from the source. */
  countMismatch: 9,
  /** The command needs the store's execution registry, and the store keeps none. */
  noRegistry: 10,
} as const;

/** One of the {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The store URL cannot be used: malformed, unknown scheme, unknown parameter, or no database at that place. */
export class StoreUrlError extends InvalidArgumentError {
  /** Creates the error; `url` is shown with its password replaced by `***`. */
  constructor(url: string, detail: string) {
    super(`store URL ${JSON.stringify(redactSecrets(url))}: ${detail}`);
  }
}

/** The URL names a kind of store whose package is not installed next to the CLI. */
export class StorePackageMissingError extends LgError {
  /** The package to install, e.g. `@lg/store-sqlite`. */
  readonly packageName: string;

  /** Creates the error for `packageName`; the message says how to install it. */
  constructor(packageName: string, options: LgErrorOptions = {}) {
    super(
      "LG_STORE_UNAVAILABLE",
      `this store URL needs the package ${packageName}, which is not installed: ` +
        `run \`npm install ${packageName}\` where @lg/cli is installed`,
      options,
    );
    this.packageName = packageName;
  }
}

/** The execution named on the command line has no checkpoint in the store (or, for `cancel`, no registry record). */
export class ExecutionNotFoundError extends CheckpointNotFoundError {
  /** Creates the error for `executionId`; `missing` says what the store lacks for it. */
  constructor(executionId: string, missing = "has no checkpoint in this store") {
    super({ executionId });
    this.message = `execution not found: "${executionId}" ${missing}`;
  }
}

/**
 * A command needs the execution registry (`store.registry`) and the store at the URL keeps none, or (`notSetUp`) its
 * database predates the registry: the store's `setup()` (migrations) has not created the registry's table there.
 */
export class RegistryMissingError extends InvalidArgumentError {
  /** Creates the error for the command `what` on the store shown as `display` (password already hidden). */
  constructor(display: string, what: string, options: { notSetUp?: boolean } = {}) {
    super(
      options.notSetUp === true
        ? `the store ${display} has no execution registry table yet (its database predates the registry; the ` +
            `store's setup() creates it), so "${what}" cannot be used on it`
        : `the store ${display} keeps no execution registry (where executions submitted to workers are recorded), ` +
            `so "${what}" cannot be used on it`,
    );
  }
}

/** The checkpoint named on the command line does not exist. */
export class CheckpointIdNotFoundError extends CheckpointNotFoundError {
  /** Creates the error for `checkpointId`. */
  constructor(checkpointId: string) {
    super({ checkpointId });
    this.message = `checkpoint not found: ${checkpointId}`;
  }
}

/** A line of a backup cannot be restored: not JSON, checksum mismatch, or not a checkpoint. */
export class BackupLineError extends CheckpointCorruptError {
  /** The 1-based line number in the backup. */
  readonly line: number;

  /** Creates the error for line `line`; `detail` says what is wrong with it. */
  constructor(line: number, detail: string, checkpointId?: string, options: LgErrorOptions = {}) {
    super(checkpointId, detail, options);
    this.line = line;
    this.message =
      `backup line ${line}${checkpointId === undefined ? "" : ` (checkpoint ${checkpointId})`} is corrupt: ${detail}. ` +
      "Nothing from this line was written; fix or remove the line and import again (import is idempotent).";
  }
}

/** The target already holds another checkpoint at a checkpoint's `(executionId, version)`. */
export class RestoreConflictError extends CheckpointConflictError {
  /** Where the checkpoint came from: `line 12` of a backup, or `checkpoint <id>` of a copy. */
  readonly origin: string;

  /** Wraps the store's conflict for the checkpoint from `origin`. */
  constructor(origin: string, conflict: CheckpointConflictError) {
    super(conflict.executionId, conflict.version, { cause: conflict });
    this.origin = origin;
    this.message =
      `${origin}: the target already holds another checkpoint at version ${conflict.version} of execution ` +
      `"${conflict.executionId}". Restore into an empty store, or clear that execution first.`;
  }
}

/** After a copy, the target has fewer checkpoints than were read from the source for some executions. */
export class CopyCountMismatchError extends CheckpointNotFoundError {
  /** Executions whose count in the target is short, with both counts. */
  readonly executions: ReadonlyArray<{ executionId: string; source: number; target: number }>;

  /** Creates the error for the executions that came up short. */
  constructor(executions: ReadonlyArray<{ executionId: string; source: number; target: number }>) {
    super({ executionId: executions[0]?.executionId ?? "" });
    this.executions = executions;
    const sample = executions
      .slice(0, 3)
      .map((e) => `"${e.executionId}" (source ${e.source}, target ${e.target})`)
      .join(", ");
    this.message =
      `count check failed: the target has fewer checkpoints than the source for ${executions.length} ` +
      `execution(s): ${sample}${executions.length > 3 ? ", …" : ""}. Run the same copy again to finish it.`;
  }
}

/**
 * PostgreSQL's SQLSTATEs for a missing table or schema: a read command on a URL whose `?schema=` or `?table=`
 * names nothing. The store reports them as unavailable (its advice is to run its `setup()`); the CLI says which
 * part of the URL to check instead.
 */
const MISSING_TABLE_CODES = new Set(["42P01", "3F000"]);

/** Whether `error` is PostgreSQL's missing table or schema, as thrown or as the cause of the store's error. */
export function isMissingTable(error: unknown): boolean {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return MISSING_TABLE_CODES.has(errorCode(error) ?? "") || MISSING_TABLE_CODES.has(errorCode(cause) ?? "");
}

/** Wrong command-line usage, reported by the argument parser. */
export class UsageError extends InvalidArgumentError {}

/**
 * The `code` of an `@lg` error, read as a property: a store package built against another copy of `@lg/core`
 * throws errors of other classes with the same codes.
 */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The exit code for an error thrown by a command: see {@link EXIT_CODES}. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT_CODES.usage;
  if (error instanceof StoreUrlError) return EXIT_CODES.badUrl;
  if (error instanceof StorePackageMissingError) return EXIT_CODES.packageMissing;
  if (error instanceof CopyCountMismatchError) return EXIT_CODES.countMismatch;
  if (error instanceof BackupLineError) return EXIT_CODES.corruptBackup;
  if (error instanceof RegistryMissingError) return EXIT_CODES.noRegistry;
  if (isMissingTable(error)) return EXIT_CODES.badUrl;
  switch (errorCode(error)) {
    case "LG_STORE_UNAVAILABLE":
      return EXIT_CODES.unreachable;
    case "LG_CHECKPOINT_NOT_FOUND":
      return EXIT_CODES.notFound;
    case "LG_CHECKPOINT_CONFLICT":
      return EXIT_CODES.conflict;
    case "LG_INVALID_ARGUMENT":
      return EXIT_CODES.usage;
    default:
      return EXIT_CODES.failure;
  }
}

/** The one line printed for a failed command: the message, without any password. */
export function errorLine(error: unknown): string {
  const message = isMissingTable(error)
    ? `no checkpoint table at this store URL (${messageOf((error as { cause?: unknown }).cause ?? error)}); ` +
      "check ?schema= and ?table= (import and copy --to create the table)"
    : messageOf(error);
  return `lg-checkpoints: ${redactSecrets(message).replace(/\s*\n\s*/g, " ")}`;
}
