import {
  StoreClosedError,
  StoreUnavailableError,
  type Checkpoint,
  type CheckpointStore,
  type ExecutionPage,
  type ExecutionRegistry,
  type ListExecutionsOptions,
  type ListOptions,
  type CheckpointHeader,
  type PruneOptions,
  type SaveOptions,
  type SerializedCheckpoint,
  type StoreCapabilities,
  type StoreStats,
} from "@lg/core";
import {
  assertNonEmptyString,
  checkpointHeader,
  selectPruneVictims,
  validateLeaseFence,
  validateListExecutionsOptions,
  validateListOptions,
  validatePruneOptions,
} from "@lg/core/store";
import { readMany, readOne, type ReadCheckpoint } from "./chain-read.js";
import { retryWhileBusy } from "./busy.js";
import { sqliteCapabilities } from "./capabilities.js";
import { FileWatch } from "./file-watch.js";
import {
  MEMORY_PATH,
  resolveSqliteOptions,
  type ResolvedSqliteOptions,
  type SqliteDatabase,
  type SqliteOptions,
  type SqliteWriteLock,
} from "./options.js";
import { SqliteExecutionRegistry } from "./registry.js";
import type { RegistryOps } from "./registry-ops.js";
import { checkpointToParams, rowToHeader } from "./rows.js";
import { plainPage, serializeRead } from "./serialized-list.js";
import { openDatabase, openSchema, type Opened } from "./opening.js";
import { isBusy, toStoreError, type ErrorContext } from "./sqlite-errors.js";
import { listParams, listRead, type ListParams, type Statement, type Statements } from "./statements.js";
import type { AppliedTuning } from "./tuning.js";
import { underWriteLock } from "./write-lock.js";

const STORE_NAME = "SqliteCheckpointStore";
const DEFAULT_PAGE_SIZE = 100;

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
  /**
   * Native prune, batch save, incremental rows and header lists; persistent and shareable between processes unless
   * the database is in memory.
   */
  readonly capabilities: StoreCapabilities;
  /** The (unquoted) table holding the checkpoints. */
  readonly tableName: string;
  /**
   * Settles when the store is open: at once, unless another connection held the file's lock during construction;
   * then when the tuning and migrations are done (rejecting with `StoreUnavailableError` after `busyTimeoutMs`).
   * Methods wait for it themselves; await it before reading {@link tuning} or {@link schemaVersion}.
   */
  readonly ready: Promise<void>;
  /**
   * The execution registry in `<table>_executions`: each decision is a `BEGIN IMMEDIATE` transaction, so processes
   * sharing the file each claim different executions. No `subscribe` (SQLite has none across processes): workers poll.
   */
  readonly registry: ExecutionRegistry;

  private readonly db: SqliteDatabase;
  private readonly ownsDatabase: boolean;
  private readonly opening: Promise<Opened>;
  private opened: Opened | undefined;
  private readonly errorContext: ErrorContext;
  private readonly fileWatch: FileWatch | undefined;
  private readonly writeLock: SqliteWriteLock | undefined;
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
    this.writeLock = resolved.writeLock;
    try {
      this.opened = openSchema(this.db, resolved);
      this.opening = Promise.resolve(this.opened);
    } catch (error) {
      if (!isBusy(error)) this.failOpening(error);
      this.opening = this.openLater(resolved);
    }
    this.ready = this.opening.then(() => undefined);
    this.registry = new SqliteExecutionRegistry(this.registryOps, (call) => this.run(call), this.fileWatch);
    // Whoever never awaits `ready` still learns of a failed opening from the next call; no unhandled rejection.
    this.ready.catch(() => undefined);
    this.capabilities = sqliteCapabilities(!this.db.memory);
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

  /**
   * {@inheritDoc CheckpointStore.save}
   *
   * With `options.changes` (and the parent still stored in the same execution) the row holds only the channels
   * written whole, and each appended item is a row of `<table>_items`: one `BEGIN IMMEDIATE` transaction checks
   * the parent and writes both, so a concurrent delete or prune of the parent either comes first (the row is then
   * written whole) or waits. Without `changes` the row holds the whole state, one INSERT.
   * With `options.lease` a `BEGIN IMMEDIATE` transaction first checks that the registry record holds its token and is
   * running (else `LeaseLostError`, before any conflict, and nothing written), then writes as above.
   */
  async save(checkpoint: Checkpoint, options?: SaveOptions): Promise<void> {
    const { writer, registry } = await this.statements();
    const lease = options?.lease;
    if (lease !== undefined) validateLeaseFence(lease);
    const write = writer.prepareSave(checkpoint, options?.changes);
    if (lease === undefined) await this.run(write);
    // Fenced by the record of the lease's execution: this one, or the parent a subgraph runs under.
    else await this.run(() => registry.fenced.immediate(lease.executionId, lease.token, write));
    this.fileWatch?.assertInPlace();
  }

  /**
   * {@inheritDoc CheckpointStore.saveMany}
   *
   * Every item is encoded first (as full rows); then one `BEGIN IMMEDIATE` transaction inserts them (a duplicate
   * is resolved inside it as `save` resolves it) and a conflict rolls the whole batch back. The transaction runs on
   * the event loop's thread: 1,000 checkpoints of 1 kB take a few milliseconds.
   */
  async saveMany(checkpoints: readonly Checkpoint[]): Promise<void> {
    const { writer } = await this.statements();
    const rows = checkpoints.map((checkpoint) => checkpointToParams(checkpoint));
    if (rows.length === 0) return;
    await this.run(() => underWriteLock(this.writeLock, () => writer.saveFull.immediate(checkpoints, rows)));
    this.fileWatch?.assertInPlace();
  }

  /**
   * {@inheritDoc CheckpointStore.saveSerialized}
   *
   * Each text is parsed and its fields checked, and only the objects holding a value tag are decoded, to check them:
   * no decoding or encoding walk (see serialized-save.ts). Then one `BEGIN IMMEDIATE` transaction inserts the full
   * rows: the write lock is not held while the texts are read.
   */
  async saveSerialized(items: readonly SerializedCheckpoint[]): Promise<void> {
    const { writer } = await this.statements();
    if (items.length === 0) return;
    // Read and checked before the write lock is taken: the lock is held for the inserts alone.
    const rows = writer.prepareTexts(Array.from(items, (item) => item.text));
    await this.run(() => underWriteLock(this.writeLock, () => writer.saveTexts.immediate(rows)));
    this.fileWatch?.assertInPlace();
  }

  /** {@inheritDoc CheckpointStore.load} */
  async load(id: string): Promise<Checkpoint | undefined> {
    const statements = await this.statements();
    assertNonEmptyString("checkpoint id", id);
    return (await this.run(() => readOne(statements.readById.all(id))))?.checkpoint;
  }

  /**
   * {@inheritDoc CheckpointStore.list}
   *
   * One statement reads the listed checkpoints and every row their states are folded from; each row is parsed
   * once, and each checkpoint is folded from the nearest earlier one its chain passes through.
   */
  async list(executionId: string, options?: ListOptions): Promise<Checkpoint[]> {
    const read = await this.readList(executionId, options, false);
    // Array.from, not map on the driver's array: the driver builds its rows in the realm the native module was
    // loaded in, and a caller in another one (a jest test) fails deep equality checks on that realm's arrays.
    return Array.from(read, (each) => each.checkpoint);
  }

  /** {@inheritDoc CheckpointStore.listHeaders} Neither the state column nor any item is read. */
  async listHeaders(executionId: string, options?: ListOptions): Promise<CheckpointHeader[]> {
    const statements = await this.statements();
    const desc = options?.order === "desc";
    const rows = await this.listRows(
      desc ? statements.listHeadersDesc : statements.listHeadersAsc,
      executionId,
      options,
    );
    return Array.from(rows, (row) => checkpointHeader(rowToHeader(row)));
  }

  /**
   * {@inheritDoc CheckpointStore.listSerialized}
   *
   * A page of rows that each hold the whole state (the usual page: no delta row, no item) is read by a plain
   * statement, without following chains, and each row's stored JSON text is handed out as it is once SQLite's
   * `json_valid` has vouched for it; nothing is decoded. A page with any other row is read again by the chain read:
   * a delta row's state is folded from its chain and encoded again.
   */
  async listSerialized(executionId: string, options?: ListOptions): Promise<SerializedCheckpoint[]> {
    const statements = await this.statements();
    const desc = options?.order === "desc";
    const rows = await this.listRows(desc ? statements.listPlainDesc : statements.listPlainAsc, executionId, options);
    return plainPage(rows) ?? serializeRead(await this.readList(executionId, options, true));
  }

  private async readList(
    executionId: string,
    options: ListOptions | undefined,
    checked: boolean,
  ): Promise<ReadCheckpoint[]> {
    const desc = options?.order === "desc";
    const rows = await this.listRows(listRead(await this.statements(), desc, checked), executionId, options);
    return readMany(rows, desc ? "desc" : "asc");
  }

  /** Runs a list statement with the execution id and options, validated. */
  private async listRows<Row>(
    statement: Statement<ListParams, Row>,
    executionId: string,
    options: ListOptions | undefined,
  ): Promise<Row[]> {
    assertNonEmptyString("executionId", executionId);
    validateListOptions(options);
    return this.run(() => statement.all(...listParams(executionId, options)));
  }

  /** {@inheritDoc CheckpointStore.latest} */
  async latest(executionId: string): Promise<Checkpoint | undefined> {
    const statements = await this.statements();
    assertNonEmptyString("executionId", executionId);
    return (await this.run(() => readOne(statements.readLatest.all(executionId))))?.checkpoint;
  }

  /**
   * {@inheritDoc CheckpointStore.delete}
   *
   * A checkpoint later rows still read through stays as a hidden row (invisible to every read) until they go.
   */
  async delete(id: string): Promise<void> {
    const { remover } = await this.statements();
    assertNonEmptyString("checkpoint id", id);
    await this.run(() => remover.removeById.immediate(id));
  }

  /** {@inheritDoc CheckpointStore.clear} Hidden rows and items included, and the registry record, in one transaction. */
  async clear(executionId: string): Promise<void> {
    const { remover } = await this.statements();
    assertNonEmptyString("executionId", executionId);
    await this.run(() => remover.clear.immediate(executionId));
  }

  /**
   * {@inheritDoc CheckpointStore.prune}
   *
   * One transaction reads the execution's row headers, chooses the victims with core's `selectPruneVictims` and
   * removes them as `delete` does.
   */
  async prune(executionId: string, options: PruneOptions): Promise<number> {
    const { remover } = await this.statements();
    assertNonEmptyString("executionId", executionId);
    validatePruneOptions(options);
    return await this.run(() =>
      remover.removeIn.immediate(executionId, (visible) => selectPruneVictims(visible, options)),
    );
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

  private readonly registryOps = async (): Promise<RegistryOps> => (await this.statements()).registry;

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
