import {
  StoreClosedError,
  type Checkpoint,
  type CheckpointHeader,
  type CheckpointStore,
  type ExecutionPage,
  type ExecutionSummary,
  type ListExecutionsOptions,
  type ListOptions,
  type PruneOptions,
  type SaveOptions,
  type SerializedCheckpoint,
  type StoreCapabilities,
  type StoreStats,
} from "@lg/core";
import {
  assertNonEmptyString,
  checkpointHeader,
  decodeCheckpoint,
  selectPruneVictims,
  validateListExecutionsOptions,
  validateListOptions,
  validatePruneOptions,
} from "@lg/core/store";
import type { TransactionSql } from "postgres";
import { batchConflict, toBatchColumns, unlessRetry, writeBatch } from "./batch.js";
import { ChainRows } from "./chain.js";
import { Connection, type Param } from "./connection.js";
import { toStoreError, type SaveTarget } from "./errors.js";
import { runMigrations, type MigrationResult } from "./migrations.js";
import { resolveOptions, type PostgresClient, type PostgresOptions, type ResolvedPostgresOptions } from "./options.js";
import { PostgresExecutionRegistry } from "./registry.js";
import { clearExecution, removeCheckpoints, type ChooseVictims } from "./removal.js";
import { plainSerialized, rowHeader, toSaveParams } from "./rows.js";
import { fitsKeyPrefix } from "./keys.js";
import { saveCheckpoint, type SaveRunner } from "./saving.js";
import { buildStatements, type CheckpointStatements, type KeyedStatements } from "./sql.js";
import { catalogStatsSql, estimateStats, exactStatsSql } from "./stats.js";
import { executionBound, isStorableText } from "./text.js";

// Unbounded list ends: the whole BIGINT range, so that a version written underneath beyond 2^53 is listed (and
// refused as corrupt by the decoder) instead of silently left out, as the safe-integer bounds did.
const BIGINT_MIN = "-9223372036854775808";
const BIGINT_MAX = "9223372036854775807";

const DEFAULT_EXECUTIONS_PAGE = 100;
// The removal transactions lock an execution's rows, then read them with a NEW snapshot that sees every save that
// linked a row to them before the lock: each statement must take its own snapshot, whatever the server's default
// isolation level.
const READ_COMMITTED = "isolation level read committed";
// A batch whose competing row is deleted between its two statements runs again this many times.
const SAVE_ATTEMPTS = 5;

/**
 * A {@link CheckpointStore} on PostgreSQL through postgres.js: one table in the seed's layout (JSONB state and
 * metadata, queryable), a unique index on `(execution_id, version)` that decides conflicts, prepared statements
 * and a connection pool. Checkpoints are kept incrementally: given the runtime's `changes`, a save writes only the
 * channels its step wrote and the items it appended (`<table>_items`), and every read folds the chain back into the
 * full state in one statement (docs/incremental-checkpoints.md).
 *
 * ```ts
 * const store = await PostgresCheckpointStore.connect({ connString: process.env.DATABASE_URL });
 * const app = graph.compile({ checkpoint: { store } });
 * // … and at shutdown:
 * await store.close();
 * ```
 */
export class PostgresCheckpointStore implements CheckpointStore {
  /**
   * Prune runs in one transaction, a batch save as one INSERT; saves may be incremental, headers are listed without
   * states; data is durable and may be shared by any number of processes.
   */
  readonly capabilities: StoreCapabilities = {
    incremental: true,
    headerList: true,
    nativePrune: true,
    persistent: true,
    multiProcess: true,
    ttl: false,
    taskResults: true,
    batchSave: true,
    serializedList: true,
  };

  /**
   * The execution registry kept beside the checkpoints (`<table>_executions`): what workers claim, lease and release.
   * With it, `save(cp, { lease })` commits only while the registry holds the lease's token, and `clear` also removes
   * the execution's record (see the README's "Execution registry").
   */
  readonly registry: PostgresExecutionRegistry;

  /** `"schema"."table"`, quoted, as it appears in the store's SQL. */
  readonly qualifiedTableName: string;

  private readonly options: ResolvedPostgresOptions;
  private readonly statements: CheckpointStatements;
  private readonly conn: Connection;

  /**
   * Creates the store. No connection is opened until the first call; use {@link PostgresCheckpointStore.connect}
   * to check the connection (and migrate) up front. Throws `InvalidArgumentError` for bad options.
   */
  constructor(options: PostgresOptions) {
    this.options = resolveOptions(options);
    this.statements = buildStatements(this.options);
    this.qualifiedTableName = this.options.qualifiedTable;
    this.conn = new Connection(options, this.options);
    this.registry = new PostgresExecutionRegistry(
      { conn: this.conn, assertOpen: () => this.assertOpen() },
      this.options,
    );
  }

  /**
   * The postgres.js client the store uses: the injected `sql`, or the pool it created, for your own queries. The
   * store replaces its own pool when the server stopped answering (see `commandTimeoutMs`): read it when needed
   * rather than keeping it.
   */
  get sql(): PostgresClient {
    return this.conn.sql;
  }

  /**
   * Creates a store, checks that the server answers and runs {@link setup}. Rejects with
   * `StoreUnavailableError` (password redacted) when the server cannot be reached, and ends the pool it created.
   */
  static async connect(options: PostgresOptions): Promise<PostgresCheckpointStore> {
    const store = new PostgresCheckpointStore(options);
    try {
      await store.ping();
      await store.setup();
      return store;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  /**
   * Creates the schema (when missing), the table and its indexes by applying the pending versioned migrations.
   * Safe to call from many processes at once (an advisory lock serializes the runs) and cheap when the table
   * is up to date (two short queries).
   */
  async setup(): Promise<MigrationResult> {
    this.assertOpen();
    try {
      return await runMigrations(this.sql, this.options);
    } catch (error) {
      throw toStoreError(error, this.conn.target, this.qualifiedTableName);
    }
  }

  /** The seed design's name for {@link setup}. */
  initSchema(): Promise<MigrationResult> {
    return this.setup();
  }

  /**
   * Inserts a checkpoint — with `options.changes`, only what changed since its parent: one statement writes the row
   * and its appended items while the parent row exists (otherwise the checkpoint is stored whole). Without changes, one
   * plain insert. The unique index decides conflicts atomically (`CheckpointConflictError`); when the insert is
   * refused, the row that holds the id tells an identical re-save (a no-op) from a conflict. With `options.lease`, the
   * same statement locks the execution's registry record and writes only while it holds the lease's token
   * (`LeaseLostError` otherwise, checked before the version).
   */
  async save(checkpoint: Checkpoint, options?: SaveOptions): Promise<void> {
    this.assertOpen();
    await saveCheckpoint(this.runner, this.statements, checkpoint, options?.changes, options?.lease);
  }

  /**
   * {@inheritDoc CheckpointStore.saveMany}
   *
   * Every item is encoded first and stored whole; then one transaction inserts them all in one statement (see
   * `writeBatch`), and runs again when a row that blocked an item was deleted meanwhile.
   */
  async saveMany(checkpoints: readonly Checkpoint[]): Promise<void> {
    this.assertOpen();
    const items = checkpoints.map((checkpoint) => toSaveParams(checkpoint));
    if (items.length === 0) return;
    const columns = toBatchColumns(items);
    const readStored = async (tx: TransactionSql, id: string): Promise<Checkpoint | undefined> =>
      new ChainRows(await tx.unsafe(this.keyed(id).loadAny, [id], { prepare: true }).values()).checkpoints()[0];
    for (let attempt = 1; attempt <= SAVE_ATTEMPTS; attempt++) {
      const written = await this.run(() =>
        this.sql
          .begin((tx) => writeBatch(tx, this.statements, columns, items, checkpoints, readStored))
          .catch(unlessRetry),
      );
      if (written) return;
    }
    throw batchConflict(items, 1);
  }

  /**
   * Returns the checkpoint with this id, or `undefined`: its row and the rows its state is read through, in one
   * statement. An id PostgreSQL text cannot hold (U+0000, an unpaired surrogate) was never saved: `undefined` without
   * a query.
   */
  async load(id: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    assertNonEmptyString("id", id);
    if (!isStorableText(id)) return undefined;
    return (await this.chain(this.keyed(id).load, [id])).checkpoints()[0];
  }

  /**
   * Lists an execution's checkpoints by version through the `(execution_id, version)` index (`[]` without a query
   * for an execution id PostgreSQL text cannot hold), in one statement with every row their states are read through;
   * each row is read once however many listed checkpoints read through it.
   */
  async list(executionId: string, options: ListOptions = {}): Promise<Checkpoint[]> {
    return (await this.listChain(executionId, options)).checkpoints(options.order === "desc");
  }

  /** `list`'s checkpoints as encoded JSON text, no state parsed: the usual page (full rows) by a plain statement whose
   * texts the server splices, any other page by the chain statement (which folds and encodes a delta row's state). */
  async listSerialized(executionId: string, options: ListOptions = {}): Promise<SerializedCheckpoint[]> {
    const keyed = this.listed(executionId, options);
    if (keyed === undefined) return [];
    const desc = options.order === "desc";
    const rows = await this.rows(desc ? keyed.plainDesc : keyed.plainAsc, this.listParams(executionId, options));
    return plainSerialized(rows) ?? (await this.listChain(executionId, options)).serialized(desc);
  }

  /** `list` without the states: neither the state column nor any item is read. */
  async listHeaders(executionId: string, options: ListOptions = {}): Promise<CheckpointHeader[]> {
    const keyed = this.listed(executionId, options);
    if (keyed === undefined) return [];
    const text = options.order === "desc" ? keyed.headersDesc : keyed.headersAsc;
    const rows = await this.rows(text, this.listParams(executionId, options));
    return rows.map((row) => checkpointHeader(decodeCheckpoint(rowHeader(row))));
  }

  /** The newest checkpoint of an execution: one index probe (`ORDER BY version DESC LIMIT 1`) and its chain. */
  async latest(executionId: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    if (!isStorableText(executionId)) return undefined;
    return (await this.chain(this.keyed(executionId).latest, [executionId])).checkpoints()[0];
  }

  /**
   * Deletes one checkpoint; no error when it does not exist (nor when PostgreSQL text cannot hold the id). A
   * checkpoint later rows still read through is hidden instead, until nothing needs it (one transaction).
   */
  async delete(id: string): Promise<void> {
    this.assertOpen();
    assertNonEmptyString("id", id);
    if (!isStorableText(id)) return;
    const [row] = await this.rows(this.keyed(id).executionOf, [id]);
    if (row === undefined) return;
    await this.remove(String(row[0]), (visible) => (visible.some((cp) => cp.id === id) ? [id] : []));
  }

  /** Deletes every checkpoint of one execution, with its items and hidden rows, and its registry record. */
  async clear(executionId: string): Promise<void> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    if (!isStorableText(executionId)) return;
    const keyed = this.keyed(executionId);
    const removeRecord = this.registry.removeStatement;
    await this.run(() => this.sql.begin(READ_COMMITTED, (tx) => clearExecution(tx, keyed, removeRecord, executionId)));
  }

  /**
   * Pages through executions in execution-id byte order with a loose index scan (keyset paging). A cursor holding
   * U+0000 or an unpaired surrogate (never a `nextCursor`) is placed in code point order as `compareCodePoints`
   * places it, not replaced by U+FFFD as the driver would send it.
   */
  async listExecutions(options: ListExecutionsOptions = {}): Promise<ExecutionPage> {
    this.assertOpen();
    validateListExecutionsOptions(options);
    const limit = options.limit ?? DEFAULT_EXECUTIONS_PAGE;
    const bound = executionBound(options.cursor ?? "");
    if (bound === undefined) return { executions: [] };
    const text = bound.inclusive ? this.statements.listExecutionsFrom : this.statements.listExecutions;
    // One row more than the page tells whether another page follows without a trailing empty page.
    const rows = await this.rows(text, [bound.text, limit + 1]);
    const executions: ExecutionSummary[] = rows.slice(0, limit).map((row) => ({
      executionId: String(row[0]),
      latestVersion: Number(row[1]),
      updatedAt: new Date(Number(row[2])),
    }));
    const last = executions[executions.length - 1];
    return rows.length > limit && last !== undefined ? { executions, nextCursor: last.executionId } : { executions };
  }

  /**
   * Deletes old checkpoints of one execution (those `selectPruneVictims` chooses) in one transaction; returns how
   * many were deleted (0 without a query for an execution id PostgreSQL text cannot hold). `protect` ids it cannot
   * hold protect nothing and are left out. Rows that kept checkpoints read through stay, hidden (see `removal.ts`).
   * When the connection is lost after the transaction committed but before its answer arrived, it runs again and
   * returns only what the repeat deleted: a lower bound (see the README).
   */
  async prune(executionId: string, options: PruneOptions): Promise<number> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    validatePruneOptions(options);
    if (!isStorableText(executionId)) return 0;
    const protect = (options.protect ?? []).map(String).filter(isStorableText);
    return this.remove(executionId, (visible) => selectPruneVictims(visible, { ...options, protect }));
  }

  /** Resolves when the server answers `SELECT 1`; rejects with `StoreUnavailableError` otherwise. */
  async ping(): Promise<void> {
    this.assertOpen();
    await this.rows(this.statements.ping, []);
  }

  /**
   * Counts checkpoints and executions (hidden rows are no checkpoints); `bytes` is the total size of the table and its
   * items table with indexes and TOAST. A table over 8 MiB
   * is not read: the counts are PostgreSQL's statistics (`reltuples`, `n_distinct`, kept by autovacuum's ANALYZE)
   * scaled to its current size, and `estimated` is true. Smaller, never analyzed or partitioned tables are counted.
   */
  async stats(): Promise<StoreStats> {
    this.assertOpen();
    const o = this.options;
    const [catalog] = await this.rows(catalogStatsSql(), [
      o.qualifiedTable,
      o.schema,
      o.tableName,
      o.qualifiedItemsTable,
    ]);
    const estimate = estimateStats(catalog);
    if (estimate !== undefined) return estimate;
    const [row] = await this.rows(exactStatsSql(o.qualifiedTable, o.qualifiedItemsTable), []);
    return { checkpoints: Number(row?.[0] ?? 0), executions: Number(row?.[1] ?? 0), bytes: Number(row?.[2] ?? 0) };
  }

  /**
   * Stops the store; ends the pool only when the store created it (an injected `sql` stays open). Calls under way
   * get half a second to finish, then their connections are dropped and they reject with `StoreClosedError`: a
   * server that is down or frozen does not hold `close()` up.
   */
  async close(): Promise<void> {
    if (!this.conn.isClosed) this.registry.endSubscriptions();
    await this.conn.end();
  }

  // The statements for an id or execution id: the form whose plans settle when the id is short enough for it.
  private keyed(value: string): KeyedStatements {
    return fitsKeyPrefix(value) ? this.statements.short : this.statements.any;
  }

  // How `save` runs its statements (see saving.ts).
  private readonly runner: SaveRunner = {
    rows: (text, params, saving) => this.conn.rows(text, params, saving),
    execute: (text, params, saving) => this.conn.execute(text, params, saving),
    readStored: async (id) => (await this.chain(this.keyed(id).loadAny, [id])).checkpoints()[0],
    keyed: (value) => this.keyed(value),
  };

  private async chain(text: string, params: Param[]): Promise<ChainRows> {
    return new ChainRows(await this.rows(text, params));
  }

  // Validates list's arguments; the statements to use, or undefined for an execution id PostgreSQL cannot hold.
  private listed(executionId: string, options: ListOptions): KeyedStatements | undefined {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    validateListOptions(options);
    return isStorableText(executionId) ? this.keyed(executionId) : undefined;
  }

  private listParams(executionId: string, options: ListOptions): Param[] {
    return [
      executionId,
      options.afterVersion ?? BIGINT_MIN,
      options.beforeVersion ?? BIGINT_MAX,
      options.limit ?? null,
    ];
  }

  private async listChain(executionId: string, options: ListOptions): Promise<ChainRows> {
    const keyed = this.listed(executionId, options);
    if (keyed === undefined) return new ChainRows([]);
    return this.chain(options.order === "desc" ? keyed.listDesc : keyed.listAsc, this.listParams(executionId, options));
  }

  // One removal transaction (removal.ts), bounded and repeated on a lost connection like a statement.
  private remove(executionId: string, choose: ChooseVictims): Promise<number> {
    const keyed = this.keyed(executionId);
    return this.run(() => this.sql.begin(READ_COMMITTED, (tx) => removeCheckpoints(tx, keyed, executionId, choose)));
  }

  private assertOpen(): void {
    if (this.conn.isClosed) throw new StoreClosedError("PostgresCheckpointStore");
  }

  private rows(text: string, params: Param[], saving?: SaveTarget): Promise<unknown[][]> {
    return this.conn.rows(text, params, saving);
  }

  private run<T>(work: () => Promise<T>): Promise<T> {
    return this.conn.run(work);
  }
}
