import {
  CheckpointConflictError,
  isLgError,
  StoreClosedError,
  StoreUnavailableError,
  type Checkpoint,
  type CheckpointStore,
  type ExecutionPage,
  type ListExecutionsOptions,
  type ListOptions,
  type PruneOptions,
  type SerializedCheckpoint,
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
import { batchWriter } from "./batch.js";
import { retryWhileBusy } from "./busy.js";
import { FileWatch } from "./file-watch.js";
import { migrate } from "./migrations.js";
import {
  MEMORY_PATH,
  resolveSqliteOptions,
  type ResolvedSqliteOptions,
  type SqliteDatabase,
  type SqliteOptions,
} from "./options.js";
import { checkpointToParams, rowMatchesParams, rowToCheckpoint, rowToSerialized, type InsertParams } from "./rows.js";
import { sqlNames, storeSql, type CheckedRow, type CheckpointRow, type StoreSql } from "./sql.js";
import { isBusy, isUniqueViolation, toStoreError, type ErrorContext } from "./sqlite-errors.js";
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
  listAsc: Statement<[executionId: string, after: ListBound, before: ListBound, limit: number], CheckpointRow>;
  listDesc: Statement<[executionId: string, after: ListBound, before: ListBound, limit: number], CheckpointRow>;
  listAscChecked: Statement<[executionId: string, after: ListBound, before: ListBound, limit: number], CheckedRow>;
  listDescChecked: Statement<[executionId: string, after: ListBound, before: ListBound, limit: number], CheckedRow>;
  deleteById: Statement<[id: string]>;
  clear: Statement<[executionId: string]>;
  prune: Statement<[PruneParams]>;
  listExecutions: Statement<[cursor: string, limit: number], ExecutionRow>;
  stats: Statement<[], StatsRow>;
  ping: Statement<[]>;
}

/** What opening a connection produces: its tuning, the schema version and the prepared statements. */
interface Opened {
  tuning: AppliedTuning;
  schemaVersion: number;
  statements: Statements;
}

/** A bound of a list statement's version range: a version, or one of the open ends below. */
type ListBound = number | bigint | Buffer;
// Open ends reach every stored value, so that a version written underneath as text or beyond 2^53 is met and
// refused as corrupt rather than silently left out: SQLite orders integers and reals before text and text before
// blobs, so the lowest 64-bit integer is below every number and an empty blob above every number and text.
const BELOW_ALL = -(2n ** 63n);
const ABOVE_ALL = Buffer.alloc(0);

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
    listAscChecked: prepare<[string, ListBound, ListBound, number], CheckedRow>(sql.listAscChecked).raw(true),
    listDescChecked: prepare<[string, ListBound, ListBound, number], CheckedRow>(sql.listDescChecked).raw(true),
    deleteById: prepare(sql.deleteById),
    clear: prepare(sql.clear),
    prune: prepare(sql.prune),
    listExecutions: prepare(sql.listExecutions),
    stats: prepare(sql.stats),
    ping: prepare("SELECT 1"),
  };
}

/** Tunes the connection, migrates the table and prepares the statements; throws SQLITE_BUSY when locked out. */
function openSchema(db: SqliteDatabase, resolved: ResolvedSqliteOptions): Opened {
  const tuning = applyTuning(db, resolved);
  const names = sqlNames(resolved.tableName);
  const schemaVersion = migrate(db, names);
  return { tuning, schemaVersion, statements: prepareAll(db, storeSql(names)) };
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
 * A call that meets another connection's lock never freezes the event loop for more than a few milliseconds: it
 * waits asynchronously between short attempts. When the file is locked at construction, opening finishes in the
 * background; calls wait for it, and {@link SqliteCheckpointStore.ready} (or {@link SqliteCheckpointStore.open})
 * tells when it is done.
 *
 * @example
 * ```ts
 * const store = new SqliteCheckpointStore({ path: "./checkpoints.db" });
 * const app = graph.compile({ checkpoint: { store } });
 * ```
 */
export class SqliteCheckpointStore implements CheckpointStore {
  /** Native prune and batch save; persistent and shareable between processes unless the database is in memory. */
  readonly capabilities: StoreCapabilities;
  /** The (unquoted) table holding the checkpoints. */
  readonly tableName: string;
  /**
   * Settles when the store is open: at once, unless another connection held the file's lock during construction;
   * then when the tuning and migrations are done (rejecting with `StoreUnavailableError` after `busyTimeoutMs`).
   * Methods wait for it themselves; await it before reading {@link tuning} or {@link schemaVersion}.
   */
  readonly ready: Promise<void>;

  private readonly db: SqliteDatabase;
  private readonly ownsDatabase: boolean;
  private readonly opening: Promise<Opened>;
  private opened: Opened | undefined;
  private readonly errorContext: ErrorContext;
  private readonly fileWatch: FileWatch | undefined;
  private closed = false;

  /**
   * Opens (or creates) the database and the table. Throws `InvalidArgumentError` for bad options and
   * `StoreUnavailableError` when the file cannot be opened or belongs to a newer release. When another connection
   * holds the file's lock, it returns at once and opening completes asynchronously (see {@link ready}).
   */
  constructor(options: SqliteOptions) {
    const resolved = resolveSqliteOptions(options);
    const location = resolved.database?.name ?? resolved.path ?? MEMORY_PATH;
    this.errorContext = { location, busyTimeoutMs: resolved.busyTimeoutMs };
    this.ownsDatabase = resolved.database === undefined;
    this.db = resolved.database ?? openDatabase(resolved.path ?? MEMORY_PATH, this.errorContext);
    this.fileWatch = FileWatch.of(this.db.name, this.db.memory);
    this.tableName = resolved.tableName;
    try {
      this.opened = openSchema(this.db, resolved);
      this.opening = Promise.resolve(this.opened);
    } catch (error) {
      if (!isBusy(error)) this.failOpening(error);
      this.opening = this.openLater(resolved);
    }
    this.ready = this.opening.then(() => undefined);
    // Whoever never awaits `ready` still learns of a failed opening from the next call; no unhandled rejection.
    this.ready.catch(() => undefined);
    const persistent = !this.db.memory;
    this.capabilities = Object.freeze({
      nativePrune: true,
      persistent,
      multiProcess: persistent,
      ttl: false,
      taskResults: true,
      batchSave: true,
      serializedList: true,
    });
  }

  /**
   * Creates a store and waits until it is open ({@link ready}), without blocking the event loop while another
   * process holds the file's lock.
   */
  static async open(options: SqliteOptions): Promise<SqliteCheckpointStore> {
    const store = new SqliteCheckpointStore(options);
    await store.ready;
    return store;
  }

  /** The pragmas in effect on this store's connection, read back after they were set. Available once {@link ready}. */
  get tuning(): AppliedTuning {
    return this.openedNow().tuning;
  }

  /** The schema version of the table after opening. Available once {@link ready}. */
  get schemaVersion(): number {
    return this.openedNow().schemaVersion;
  }

  private openedNow(): Opened {
    if (this.opened === undefined) {
      throw new StoreUnavailableError(
        `${STORE_NAME} on ${this.errorContext.location} is still opening (the file was locked): await store.ready`,
      );
    }
    return this.opened;
  }

  private async openLater(resolved: ResolvedSqliteOptions): Promise<Opened> {
    try {
      const attempt = (): Opened => {
        if (this.closed) throw new StoreClosedError(STORE_NAME); // not a busy error: ends the retries
        return openSchema(this.db, resolved);
      };
      this.opened = await retryWhileBusy(attempt, resolved.busyTimeoutMs);
      return this.opened;
    } catch (error) {
      return this.failOpening(error);
    }
  }

  private failOpening(error: unknown): never {
    if (this.ownsDatabase && this.db.open) this.db.close();
    throw toStoreError(error, this.errorContext);
  }

  /** {@inheritDoc CheckpointStore.save} */
  async save(checkpoint: Checkpoint): Promise<void> {
    const statements = await this.statements();
    const params = checkpointToParams(checkpoint);
    try {
      await retryWhileBusy(() => statements.insert.run(...params), this.errorContext.busyTimeoutMs);
    } catch (error) {
      if (!isUniqueViolation(error)) throw toStoreError(error, this.errorContext);
      await this.resolveDuplicate(statements, params, error);
    }
    this.fileWatch?.assertInPlace();
  }

  /**
   * {@inheritDoc CheckpointStore.saveMany}
   *
   * Every item is encoded first; then one `BEGIN IMMEDIATE` transaction runs the prepared insert per item (a
   * duplicate is resolved inside it as `save` resolves it) and a conflict rolls the whole batch back. The
   * transaction runs on the event loop's thread: 1,000 checkpoints of 1 kB take a few milliseconds.
   */
  async saveMany(checkpoints: readonly Checkpoint[]): Promise<void> {
    const statements = await this.statements();
    const rows = checkpoints.map((checkpoint) => checkpointToParams(checkpoint));
    if (rows.length === 0) return;
    const write = batchWriter(this.db, statements.insert, statements.load);
    try {
      await retryWhileBusy(() => write.immediate(rows), this.errorContext.busyTimeoutMs);
    } catch (error) {
      if (isLgError(error, "LG_CHECKPOINT_CONFLICT")) throw error;
      throw toStoreError(error, this.errorContext);
    }
    this.fileWatch?.assertInPlace();
  }

  /** A re-save of identical content is a no-op; anything else holding the id or the version is a conflict. */
  private async resolveDuplicate(statements: Statements, params: InsertParams, cause: unknown): Promise<void> {
    const existing = await this.run(() => statements.load.get(params[0]));
    if (existing !== undefined && rowMatchesParams(existing, params)) return;
    throw new CheckpointConflictError(params[1], params[6], { cause });
  }

  /** {@inheritDoc CheckpointStore.load} */
  async load(id: string): Promise<Checkpoint | undefined> {
    const statements = await this.statements();
    assertNonEmptyString("checkpoint id", id);
    const row = await this.run(() => statements.load.get(id));
    return row === undefined ? undefined : rowToCheckpoint(row);
  }

  /** {@inheritDoc CheckpointStore.list} */
  async list(executionId: string, options?: ListOptions): Promise<Checkpoint[]> {
    const statements = await this.statements();
    const rows = await this.listRows(
      options?.order === "desc" ? statements.listDesc : statements.listAsc,
      executionId,
      options,
    );
    // Array.from, not rows.map: the driver builds `rows` in the realm the native module was loaded in, and map would
    // hand that realm's array to a caller in another one (a jest test), where deep equality checks fail on it.
    return Array.from(rows, (row) => rowToCheckpoint(row));
  }

  /**
   * {@inheritDoc CheckpointStore.listSerialized}
   *
   * The stored JSON text is handed out as it is, once SQLite's `json_valid` has vouched for it.
   */
  async listSerialized(executionId: string, options?: ListOptions): Promise<SerializedCheckpoint[]> {
    const statements = await this.statements();
    const desc = options?.order === "desc";
    const rows = await this.listRows(
      desc ? statements.listDescChecked : statements.listAscChecked,
      executionId,
      options,
    );
    return Array.from(rows, (row) => rowToSerialized(row));
  }

  /** Runs a list statement with the execution id and options, validated. */
  private async listRows<Row>(
    statement: Statement<[executionId: string, after: ListBound, before: ListBound, limit: number], Row>,
    executionId: string,
    options: ListOptions | undefined,
  ): Promise<Row[]> {
    assertNonEmptyString("executionId", executionId);
    validateListOptions(options);
    return this.run(() =>
      statement.all(
        executionId,
        options?.afterVersion ?? BELOW_ALL,
        options?.beforeVersion ?? ABOVE_ALL,
        options?.limit ?? -1, // LIMIT -1: no limit
      ),
    );
  }

  /** {@inheritDoc CheckpointStore.latest} */
  async latest(executionId: string): Promise<Checkpoint | undefined> {
    const statements = await this.statements();
    assertNonEmptyString("executionId", executionId);
    const row = await this.run(() => statements.latest.get(executionId));
    return row === undefined ? undefined : rowToCheckpoint(row);
  }

  /** {@inheritDoc CheckpointStore.delete} */
  async delete(id: string): Promise<void> {
    const statements = await this.statements();
    assertNonEmptyString("checkpoint id", id);
    await this.run(() => statements.deleteById.run(id));
  }

  /** {@inheritDoc CheckpointStore.clear} */
  async clear(executionId: string): Promise<void> {
    const statements = await this.statements();
    assertNonEmptyString("executionId", executionId);
    await this.run(() => statements.clear.run(executionId));
  }

  /**
   * {@inheritDoc CheckpointStore.prune}
   *
   * One DELETE statement (atomic on its own) applying core's prune rules.
   */
  async prune(executionId: string, options: PruneOptions): Promise<number> {
    const statements = await this.statements();
    assertNonEmptyString("executionId", executionId);
    validatePruneOptions(options);
    const params: PruneParams = {
      executionId,
      keepOffset: Math.max(1, options.keepLast ?? 1) - 1,
      cutoff: options.olderThan?.getTime() ?? Number.MAX_SAFE_INTEGER,
      protect: JSON.stringify(options.protect ?? []),
    };
    return await this.run(() => statements.prune.run(params).changes);
  }

  /** {@inheritDoc CheckpointStore.listExecutions} */
  async listExecutions(options?: ListExecutionsOptions): Promise<ExecutionPage> {
    const statements = await this.statements();
    validateListExecutionsOptions(options);
    const limit = options?.limit ?? DEFAULT_PAGE_SIZE;
    // Execution ids are non-empty, so "" precedes them all. One extra row tells whether another page exists.
    const rows = await this.run(() => statements.listExecutions.all(options?.cursor ?? "", limit + 1));
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
    const statements = await this.statements();
    await this.run(() => statements.ping.get());
  }

  /**
   * {@inheritDoc CheckpointStore.stats}
   *
   * Exact counts read from the `(execution_id, version)` index alone; `bytes` is the size of the database's pages
   * in use (the table, its indexes and anything else in the file), read from the file header without a scan.
   */
  async stats(): Promise<StoreStats> {
    const statements = await this.statements();
    const row = await this.run(() => statements.stats.get());
    return { checkpoints: row?.checkpoints ?? 0, executions: row?.executions ?? 0, bytes: row?.bytes ?? 0 };
  }

  /**
   * Writes a consistent copy of the whole database to `destination` while the store stays usable (SQLite's
   * online backup), for the seed's backup-and-restore practice. Restore by opening a store on the copy.
   */
  async backup(destination: string): Promise<void> {
    await this.statements(); // open, and not closed
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

  /** The prepared statements, once the store is open; rejects when it is closed or failed to open. */
  private async statements(): Promise<Statements> {
    this.assertOpen();
    const opened = this.opened ?? (await this.opening);
    this.assertOpen(); // closed while the opening was still waiting for the lock
    return opened.statements;
  }

  /**
   * Runs a driver call, retrying it asynchronously while another connection holds the lock (up to
   * `busyTimeoutMs`), and turns lock time-outs and I/O failures into typed errors.
   */
  private async run<T>(call: () => T): Promise<T> {
    try {
      return await retryWhileBusy(call, this.errorContext.busyTimeoutMs);
    } catch (error) {
      throw toStoreError(error, this.errorContext);
    }
  }
}
