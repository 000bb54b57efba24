import { InvalidArgumentError } from "@lg/core";
import { quoteSqlIdentifier } from "@lg/core/store";
import type BetterSqlite3 from "better-sqlite3";

/** A better-sqlite3 connection (`new Database(file)`), for callers who open the database themselves. */
export type SqliteDatabase = BetterSqlite3.Database;

/** The path that opens a private in-memory database, gone when the store closes. */
export const MEMORY_PATH = ":memory:";

/** Default table name, as in the seed design. */
export const DEFAULT_TABLE_NAME = "checkpoints";

/** Default time a write waits for another connection's write lock before failing. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** Default page cache per connection, in KiB (SQLite's own default is 2 MiB). */
export const DEFAULT_CACHE_SIZE_KIB = 8192;

/**
 * Options of {@link SqliteCheckpointStore}: the seed's `SqliteOptions { Path, TableName }` plus the tuning knobs.
 * Give either `path` or `database`.
 */
export interface SqliteOptions {
  /** Database file path (created when missing; its directory must exist), or `":memory:"`. */
  path?: string;
  /** Table holding the checkpoints (default `"checkpoints"`); letters, digits and `_`, not starting with a digit. */
  tableName?: string;
  /** Milliseconds a write waits for another connection's lock before rejecting with `StoreUnavailableError` (5000). */
  busyTimeoutMs?: number;
  /** Page cache of the connection in KiB (default 8192, i.e. 8 MiB). */
  cacheSizeKib?: number;
  /**
   * An already open better-sqlite3 connection to use instead of `path`. The store applies its pragmas and
   * creates its table on it, and leaves it open on `close()`: whoever opened it closes it.
   */
  database?: SqliteDatabase;
  /**
   * A lock held around each batch write (`saveMany`, `saveSerialized`), for several stores of one process writing the
   * same file at once (one per worker thread): with it, the next writer takes SQLite's write lock as soon as the last
   * one is done with it, where SQLite's own wait for a busy file sleeps 1, 2, 5, then 10 ms and more between tries.
   * The store reads and checks a batch before taking the lock, so the others' reading overlaps the one writing.
   */
  writeLock?: SqliteWriteLock;
}

/**
 * A lock across threads, taken and released synchronously (SQLite writes on the calling thread): `acquire` blocks
 * until the lock is held, typically with `Atomics.wait` on a `SharedArrayBuffer` the threads share.
 */
export interface SqliteWriteLock {
  /** Blocks until this caller holds the lock. */
  acquire(): void;
  /** Releases the lock taken by `acquire`. */
  release(): void;
}

/** Options after defaults and validation. */
export interface ResolvedSqliteOptions {
  /** The file to open, when no database was injected. */
  path: string | undefined;
  /** The unquoted table name. */
  tableName: string;
  /** Busy timeout in milliseconds. */
  busyTimeoutMs: number;
  /** Page cache size in KiB. */
  cacheSizeKib: number;
  /** The injected connection, if any. */
  database: SqliteDatabase | undefined;
  /** The lock around batch writes, if any. */
  writeLock: SqliteWriteLock | undefined;
}

function assertNonNegativeInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`SqliteOptions.${name} must be a non-negative integer, got ${String(value)}`);
  }
}

function assertDatabase(value: unknown): asserts value is SqliteDatabase {
  const db = value as Partial<SqliteDatabase> | null;
  if (db === null || typeof db !== "object" || typeof db.prepare !== "function" || typeof db.pragma !== "function") {
    throw new InvalidArgumentError("SqliteOptions.database must be a better-sqlite3 Database (new Database(file))");
  }
  if (db.open !== true) throw new InvalidArgumentError("SqliteOptions.database is closed; pass an open connection");
  if (db.readonly === true) throw new InvalidArgumentError("SqliteOptions.database is read-only; the store writes");
}

function resolveTableName(value: unknown): string {
  quoteSqlIdentifier("SqliteOptions.tableName", value);
  const name = value as string;
  // SQLite refuses to create objects named sqlite_*; say so up front rather than fail inside a migration.
  if (name.toLowerCase().startsWith("sqlite_")) {
    throw new InvalidArgumentError(`SqliteOptions.tableName must not start with "sqlite_" (reserved), got "${name}"`);
  }
  return name;
}

/** Applies defaults and validates {@link SqliteOptions}; throws `InvalidArgumentError` naming the bad option. */
export function resolveSqliteOptions(options: SqliteOptions): ResolvedSqliteOptions {
  if (options === null || typeof options !== "object") {
    throw new InvalidArgumentError('SqliteCheckpointStore needs options: { path: "./checkpoints.db" }');
  }
  const { path, database } = options;
  if (database !== undefined && path !== undefined) {
    throw new InvalidArgumentError("SqliteOptions: give either path or database, not both");
  }
  if (database !== undefined) assertDatabase(database);
  else if (typeof path !== "string" || path.length === 0) {
    // better-sqlite3 would open "" as an anonymous temporary file; nobody means that.
    throw new InvalidArgumentError(
      `SqliteOptions.path must be a file path or ":memory:", got ${path === "" ? '""' : String(path)}`,
    );
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  assertNonNegativeInteger("busyTimeoutMs", busyTimeoutMs);
  const cacheSizeKib = options.cacheSizeKib ?? DEFAULT_CACHE_SIZE_KIB;
  assertNonNegativeInteger("cacheSizeKib", cacheSizeKib);
  const { writeLock } = options;
  if (
    writeLock !== undefined &&
    (writeLock === null || typeof writeLock.acquire !== "function" || typeof writeLock.release !== "function")
  ) {
    throw new InvalidArgumentError("SqliteOptions.writeLock must be an object with acquire() and release() methods");
  }
  return {
    path,
    tableName: resolveTableName(options.tableName ?? DEFAULT_TABLE_NAME),
    busyTimeoutMs,
    cacheSizeKib,
    database,
    writeLock,
  };
}
