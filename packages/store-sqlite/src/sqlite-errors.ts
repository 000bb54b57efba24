import { LgError, StoreUnavailableError } from "@lg/core";

/** What the error mapping needs to know to give advice. */
export interface ErrorContext {
  /** The file path or ":memory:" (or the injected connection's name). */
  location: string;
  /** The configured busy timeout. */
  busyTimeoutMs: number;
}

/** The extended result code better-sqlite3 puts on its `SqliteError` (e.g. `SQLITE_CONSTRAINT_UNIQUE`). */
export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_") ? code : undefined;
}

/** True when an INSERT hit the primary key (same id) or the unique (execution_id, version) index. */
export function isUniqueViolation(error: unknown): boolean {
  const code = sqliteCode(error);
  return code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE";
}

/** True for the result codes that mean "another connection holds the lock; try again later". */
export function isBusy(error: unknown): boolean {
  const code = sqliteCode(error) ?? "";
  return code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED");
}

const ADVICE: ReadonlyArray<readonly [prefix: string, advice: string]> = [
  ["SQLITE_CANTOPEN", "check that the directory exists and that the process may write to it"],
  ["SQLITE_READONLY", "check the file's permissions and that the file system is mounted read-write"],
  ["SQLITE_FULL", "free disk space, or prune old checkpoints"],
  ["SQLITE_IOERR", "check the disk and the file system (network file systems do not support WAL mode)"],
  ["SQLITE_NOTADB", "the file is not a SQLite database; check the path"],
  ["SQLITE_CORRUPT", "the database file is damaged; restore it from a backup"],
  ["SQLITE_PERM", "check the file's permissions"],
  ["SQLITE_PROTOCOL", "another process is changing the WAL index; retry"],
];

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** better-sqlite3 reports a few environment problems as plain `TypeError`s without a SQLite code. */
function fromDriverTypeError(error: unknown, context: ErrorContext): unknown {
  if (!(error instanceof TypeError)) return error;
  if (/database connection is not open/i.test(error.message)) {
    return new StoreUnavailableError(
      `SQLite database ${context.location} was closed underneath the store; keep the injected connection ` +
        "open until the store is closed",
      { cause: error },
    );
  }
  if (/directory does not exist/i.test(error.message)) {
    return new StoreUnavailableError(
      `${error.message}: ${context.location}; check that the directory exists and that the process may write to it`,
      { cause: error },
    );
  }
  return error;
}

// A table or column the store's statements name is gone: the table was changed underneath the store.
const MISSING_SCHEMA = /no such (table|column)|has no column named/i;

/**
 * Turns a driver error into the contract's typed errors: a lock held past the busy timeout, any I/O-level
 * failure and a checkpoint table whose columns were dropped or renamed underneath the store become
 * `StoreUnavailableError` with advice; `@lg` errors and anything else pass through unchanged.
 */
export function toStoreError(error: unknown, context: ErrorContext): unknown {
  if (error instanceof LgError) return error;
  const code = sqliteCode(error);
  if (code === undefined) return fromDriverTypeError(error, context);
  if (isBusy(error)) {
    return new StoreUnavailableError(
      `SQLite database ${context.location} stayed locked for longer than busyTimeoutMs ` +
        `(${context.busyTimeoutMs} ms; ${code}): another connection holds a long write transaction. ` +
        "Shorten that transaction, or raise busyTimeoutMs.",
      { cause: error },
    );
  }
  if (code === "SQLITE_ERROR" && MISSING_SCHEMA.test(messageOf(error))) {
    return new StoreUnavailableError(
      `SQLite database ${context.location} no longer has the checkpoint table this store created ` +
        `(${messageOf(error)}): it was changed outside the store; restore the file from a backup`,
      { cause: error },
    );
  }
  const advice = ADVICE.find(([prefix]) => code.startsWith(prefix))?.[1];
  if (advice === undefined) return error;
  const detail = `${messageOf(error)} (${code})`;
  const message = `SQLite database ${context.location} failed: ${detail}; ${advice}`;
  return new StoreUnavailableError(message, { cause: error });
}
