import {
  CheckpointConflictError,
  StoreClosedError,
  type Checkpoint,
  type CheckpointStore,
  type ExecutionPage,
  type ListExecutionsOptions,
  type ListOptions,
  type PruneOptions,
  type StoreCapabilities,
  type StoreStats,
} from "@lg/core";
import {
  assertNonEmptyString,
  validateListExecutionsOptions,
  validateListOptions,
  validatePruneOptions,
} from "@lg/core/store";
import Database from "better-sqlite3";
import { migrate } from "./migrations.js";
import { MEMORY_PATH, resolveSqliteOptions, type SqliteDatabase, type SqliteOptions } from "./options.js";
import { checkpointToParams, rowMatchesParams, rowToCheckpoint, type InsertParams } from "./rows.js";
import { sqlNames, storeSql, type CheckpointRow, type StoreSql } from "./sql.js";
import { isUniqueViolation, toStoreError, type ErrorContext } from "./sqlite-errors.js";
import { applyTuning, type AppliedTuning } from "./tuning.js";

type Statement<Params extends unknown[], Row = unknown> = Database.Statement<Params, Row>;

interface ExecutionRow {
  execution_id: string;
  latest_version: number;
  timestamp: number;
}

interface StatsRow {
  checkpoints: number;
  executions: number;
  bytes: number;
}

interface PruneParams {
  executionId: string;
  keepOffset: number;
  cutoff: number;
  protect: string;
}

/** Every statement the store runs, prepared once per store. */
interface Statements {
  insert: Statement<InsertParams>;
  load: Statement<[id: string], CheckpointRow>;
  latest: Statement<[executionId: string], CheckpointRow>;
  listAsc: Statement<[executionId: string, after: number, before: number, limit: number], CheckpointRow>;
  listDesc: Statement<[executionId: string, after: number, before: number, limit: number], CheckpointRow>;
  deleteById: Statement<[id: string]>;
  clear: Statement<[executionId: string]>;
  prune: Statement<[PruneParams]>;
  listExecutions: Statement<[cursor: string, limit: number], ExecutionRow>;
  stats: Statement<[], StatsRow>;
  ping: Statement<[]>;
}

const STORE_NAME = "SqliteCheckpointStore";
const DEFAULT_PAGE_SIZE = 100;

function prepareAll(db: SqliteDatabase, sql: StoreSql): Statements {
  // safeIntegers(false): numbers come back as numbers even on an injected connection that defaults to BigInt.
  const prepare = <P extends unknown[], R>(text: string): Statement<P, R> =>
    (db.prepare(text) as unknown as Statement<P, R>).safeIntegers(false);
  // Checkpoint reads return rows as arrays in column order (see CheckpointRow).
  const prepareRows = <P extends unknown[]>(text: string): Statement<P, CheckpointRow> =>
    prepare<P, CheckpointRow>(text).raw(true);
  return {
    insert: prepare(sql.insert),
    load: prepareRows(sql.load),
    latest: prepareRows(sql.latest),
    listAsc: prepareRows(sql.listAsc),
    listDesc: prepareRows(sql.listDesc),
    deleteById: prepare(sql.deleteById),
    clear: prepare(sql.clear),
    prune: prepare(sql.prune),
    listExecutions: prepare(sql.listExecutions),
    stats: prepare(sql.stats),
    ping: prepare("SELECT 1"),
  };
}

function openDatabase(path: string, context: ErrorContext): SqliteDatabase {
  try {
    return new Database(path);
  } catch (error) {
    throw toStoreError(error, context);
  }
}

/**
 * A {@link CheckpointStore} in one SQLite file (or `:memory:`), on better-sqlite3.
 *
 * Opening creates the table and its index (schema migrations are recorded in `<table>_migrations`) and tunes the
 * connection: WAL journal, `synchronous=NORMAL`, a busy timeout, a larger page cache. Statements are prepared
 * once. Several processes may share one file: writes wait for each other up to `busyTimeoutMs`, and two writers
 * of the same `(executionId, version)` get one success and one `CheckpointConflictError`.
 *
 * better-sqlite3 is synchronous; each method still returns a promise and reports every failure by rejecting it.
 *
 * @example
 * ```ts
 * const store = new SqliteCheckpointStore({ path: "./checkpoints.db" });
 * const app = graph.compile({ checkpoint: { store } });
 * ```
 */
export class SqliteCheckpointStore implements CheckpointStore {
  /** Native prune; persistent and shareable between processes unless the database is in memory. */
  readonly capabilities: StoreCapabilities;
  /** The (unquoted) table holding the checkpoints. */
  readonly tableName: string;
  /** The pragmas in effect on this store's connection, read back after they were set. */
  readonly tuning: AppliedTuning;
  /** The schema version of the table after opening. */
  readonly schemaVersion: number;

  private readonly db: SqliteDatabase;
  private readonly ownsDatabase: boolean;
  private readonly statements: Statements;
  private readonly errorContext: ErrorContext;
  private closed = false;

  /**
   * Opens (or creates) the database and the table. Throws `InvalidArgumentError` for bad options and
   * `StoreUnavailableError` when the file cannot be opened or belongs to a newer release.
   */
  constructor(options: SqliteOptions) {
    const resolved = resolveSqliteOptions(options);
    const location = resolved.database?.name ?? resolved.path ?? MEMORY_PATH;
    this.errorContext = { location, busyTimeoutMs: resolved.busyTimeoutMs };
    this.ownsDatabase = resolved.database === undefined;
    this.db = resolved.database ?? openDatabase(resolved.path ?? MEMORY_PATH, this.errorContext);
    this.tableName = resolved.tableName;
    try {
      this.tuning = applyTuning(this.db, resolved);
      const names = sqlNames(resolved.tableName);
      this.schemaVersion = migrate(this.db, names);
      this.statements = prepareAll(this.db, storeSql(names));
    } catch (error) {
      if (this.ownsDatabase) this.db.close();
      throw toStoreError(error, this.errorContext);
    }
    const persistent = !this.db.memory;
    this.capabilities = Object.freeze({ nativePrune: true, persistent, multiProcess: persistent, ttl: false, taskResults: true });
  }

  /** {@inheritDoc CheckpointStore.save} */
  async save(checkpoint: Checkpoint): Promise<void> {
    this.assertOpen();
    const params = checkpointToParams(checkpoint);
    try {
      this.statements.insert.run(...params);
    } catch (error) {
      if (!isUniqueViolation(error)) throw toStoreError(error, this.errorContext);
      this.resolveDuplicate(params, error);
    }
  }

  /** A re-save of identical content is a no-op; anything else holding the id or the version is a conflict. */
  private resolveDuplicate(params: InsertParams, cause: unknown): void {
    const existing = this.run(() => this.statements.load.get(params[0]));
    if (existing !== undefined && rowMatchesParams(existing, params)) return;
    throw new CheckpointConflictError(params[1], params[6], { cause });
  }

  /** {@inheritDoc CheckpointStore.load} */
  async load(id: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    assertNonEmptyString("checkpoint id", id);
    const row = this.run(() => this.statements.load.get(id));
    return row === undefined ? undefined : rowToCheckpoint(row);
  }

  /** {@inheritDoc CheckpointStore.list} */
  async list(executionId: string, options?: ListOptions): Promise<Checkpoint[]> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    validateListOptions(options);
    const statement = options?.order === "desc" ? this.statements.listDesc : this.statements.listAsc;
    const rows = this.run(() =>
      statement.all(
        executionId,
        options?.afterVersion ?? Number.MIN_SAFE_INTEGER,
        options?.beforeVersion ?? Number.MAX_SAFE_INTEGER,
        options?.limit ?? -1, // LIMIT -1: no limit
      ),
    );
    // Array.from, not rows.map: the driver builds `rows` in the realm the native module was loaded in, and map would
    // hand that realm's array to a caller in another one (a jest test), where deep equality checks fail on it.
    return Array.from(rows, (row) => rowToCheckpoint(row));
  }

  /** {@inheritDoc CheckpointStore.latest} */
  async latest(executionId: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    const row = this.run(() => this.statements.latest.get(executionId));
    return row === undefined ? undefined : rowToCheckpoint(row);
  }

  /** {@inheritDoc CheckpointStore.delete} */
  async delete(id: string): Promise<void> {
    this.assertOpen();
    assertNonEmptyString("checkpoint id", id);
    this.run(() => this.statements.deleteById.run(id));
  }

  /** {@inheritDoc CheckpointStore.clear} */
  async clear(executionId: string): Promise<void> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    this.run(() => this.statements.clear.run(executionId));
  }

  /**
   * {@inheritDoc CheckpointStore.prune}
   *
   * One DELETE statement (atomic on its own) applying core's prune rules.
   */
  async prune(executionId: string, options: PruneOptions): Promise<number> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    validatePruneOptions(options);
    const params: PruneParams = {
      executionId,
      keepOffset: Math.max(1, options.keepLast ?? 1) - 1,
      cutoff: options.olderThan?.getTime() ?? Number.MAX_SAFE_INTEGER,
      protect: JSON.stringify(options.protect ?? []),
    };
    return this.run(() => this.statements.prune.run(params).changes);
  }

  /** {@inheritDoc CheckpointStore.listExecutions} */
  async listExecutions(options?: ListExecutionsOptions): Promise<ExecutionPage> {
    this.assertOpen();
    validateListExecutionsOptions(options);
    const limit = options?.limit ?? DEFAULT_PAGE_SIZE;
    // Execution ids are non-empty, so "" precedes them all. One extra row tells whether another page exists.
    const rows = this.run(() => this.statements.listExecutions.all(options?.cursor ?? "", limit + 1));
    const page = Array.from(rows.slice(0, limit), (row) => ({
      executionId: row.execution_id,
      latestVersion: row.latest_version,
      updatedAt: new Date(row.timestamp),
    }));
    const last = page[page.length - 1];
    if (rows.length > limit && last !== undefined) return { executions: page, nextCursor: last.executionId };
    return { executions: page };
  }

  /** {@inheritDoc CheckpointStore.ping} */
  async ping(): Promise<void> {
    this.assertOpen();
    this.run(() => this.statements.ping.get());
  }

  /**
   * {@inheritDoc CheckpointStore.stats}
   *
   * `bytes` is the stored size of the state, metadata, next and tasks columns (one scan of the table).
   */
  async stats(): Promise<StoreStats> {
    this.assertOpen();
    const row = this.run(() => this.statements.stats.get());
    return { checkpoints: row?.checkpoints ?? 0, executions: row?.executions ?? 0, bytes: row?.bytes ?? 0 };
  }

  /**
   * Writes a consistent copy of the whole database to `destination` while the store stays usable (SQLite's
   * online backup), for the seed's backup-and-restore practice. Restore by opening a store on the copy.
   */
  async backup(destination: string): Promise<void> {
    this.assertOpen();
    assertNonEmptyString("backup destination", destination);
    try {
      await this.db.backup(destination);
    } catch (error) {
      throw toStoreError(error, { ...this.errorContext, location: destination });
    }
  }

  /** {@inheritDoc CheckpointStore.close} An injected `database` is left open for its owner to close. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsDatabase) this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError(STORE_NAME);
  }

  /** Runs a driver call, turning lock time-outs and I/O failures into typed errors. */
  private run<T>(call: () => T): T {
    try {
      return call();
    } catch (error) {
      throw toStoreError(error, this.errorContext);
    }
  }
}
