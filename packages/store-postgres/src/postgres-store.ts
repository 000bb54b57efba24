import {
  CheckpointConflictError,
  InvalidArgumentError,
  StoreClosedError,
  StoreUnavailableError,
  messageOf,
  redactSecrets,
  type Checkpoint,
  type CheckpointStore,
  type ExecutionPage,
  type ExecutionSummary,
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
import postgres from "postgres";
import { batchConflict, toBatchColumns, unlessRetry, writeBatch } from "./batch.js";
import { CLIENT_BOUND_MARGIN_MS, withinBound } from "./command-bound.js";
import {
  isConnectionError,
  isLostConnection,
  redact,
  serverTarget,
  toStoreError,
  type SaveTarget,
  type ServerTarget,
} from "./errors.js";
import { runMigrations, type MigrationResult } from "./migrations.js";
import { resolveOptions, type PostgresClient, type PostgresOptions, type ResolvedPostgresOptions } from "./options.js";
import { rowToCheckpoint, rowToSerialized, toSaveParams, toTimestampText } from "./rows.js";
import { fitsKeyPrefix } from "./keys.js";
import { SaveOutcome, buildStatements, type CheckpointStatements, type KeyedStatements } from "./sql.js";
import { catalogStatsSql, estimateStats, exactStatsSql } from "./stats.js";
import { executionBound, isStorableText } from "./text.js";

type Param = string | number | null;

// Unbounded list ends: the whole BIGINT range, so that a version written underneath beyond 2^53 is listed (and
// refused as corrupt by the decoder) instead of silently left out, as the safe-integer bounds did.
const BIGINT_MIN = "-9223372036854775808";
const BIGINT_MAX = "9223372036854775807";

const DEFAULT_EXECUTIONS_PAGE = 100;
// A save whose competing row is deleted between the two statements of the slow path is retried this many times.
const SAVE_ATTEMPTS = 5;
// Pauses before each repeat of a statement whose connection was lost; their number is the number of repeats.
const RECONNECT_PAUSES_MS = [10, 50];
// close() lets calls under way finish for this long, then drops the connections under them.
const CLOSE_GRACE_SECONDS = 0.5;

/** What the classify statement found: identical (all rows), a conflict (any row), or nothing (the row is gone). */
function classified(rows: readonly unknown[][]): number | undefined {
  if (rows.length === 0) return undefined;
  return rows.every((row) => Number(row[0]) === SaveOutcome.Identical) ? SaveOutcome.Identical : SaveOutcome.Conflict;
}

/**
 * Opens the store's own pool. A connection string postgres.js cannot parse raises Node's `ERR_INVALID_URL`, whose
 * `input` field holds the whole string, password included: report it as `InvalidArgumentError` with the password
 * redacted and without the original error attached.
 */
function createClient(options: PostgresOptions, resolved: ResolvedPostgresOptions): PostgresClient {
  try {
    return postgres(options.connString as string, {
      connect_timeout: resolved.connectTimeoutMs / 1000,
      // postgres.js 3.4 loads the array-type catalog on every new connection and drops that query's promise: a
      // connection terminated or canceled during it (a failover, pg_terminate_backend, statement_timeout) became
      // an unhandledRejection, which ends a Node process. The store needs no array type from the catalog.
      fetch_types: false,
      ...options.clientOptions,
      max: resolved.poolSize,
      connection: {
        application_name: resolved.applicationName,
        // The server cancels a statement that runs too long (57014) and the connection stays usable.
        statement_timeout: resolved.commandTimeoutMs,
        ...options.clientOptions?.connection,
      },
    });
  } catch (error) {
    throw new InvalidArgumentError(
      `PostgresOptions.connString is not a valid postgres:// URL (${redactSecrets(messageOf(error))}): ` +
        redactSecrets(String(options.connString)),
    );
  }
}

/**
 * A {@link CheckpointStore} on PostgreSQL through postgres.js: one table in the seed's layout (JSONB state and
 * metadata, queryable), a unique index on `(execution_id, version)` that decides conflicts, prepared statements
 * and a connection pool.
 *
 * ```ts
 * const store = await PostgresCheckpointStore.connect({ connString: process.env.DATABASE_URL });
 * const app = graph.compile({ checkpoint: { store } });
 * // … and at shutdown:
 * await store.close();
 * ```
 */
export class PostgresCheckpointStore implements CheckpointStore {
  /** Prune runs as one DELETE, a batch save as one INSERT; data is durable and may be shared by any number of processes. */
  readonly capabilities: StoreCapabilities = {
    nativePrune: true,
    persistent: true,
    multiProcess: true,
    ttl: false,
    taskResults: true,
    batchSave: true,
    serializedList: true,
  };

  /** `"schema"."table"`, quoted, as it appears in the store's SQL. */
  readonly qualifiedTableName: string;

  private readonly options: ResolvedPostgresOptions;
  private readonly statements: CheckpointStatements;
  private readonly target: ServerTarget;
  private readonly ownsClient: boolean;
  // Creates a fresh pool after the old one was dropped for not answering; undefined for an injected client.
  private readonly replaceClient: (() => PostgresClient) | undefined;
  private client: PostgresClient;
  private closed = false;

  /**
   * Creates the store. No connection is opened until the first call; use {@link PostgresCheckpointStore.connect}
   * to check the connection (and migrate) up front. Throws `InvalidArgumentError` for bad options.
   */
  constructor(options: PostgresOptions) {
    this.options = resolveOptions(options);
    this.statements = buildStatements(this.options);
    this.qualifiedTableName = this.options.qualifiedTable;
    this.ownsClient = options.sql === undefined;
    this.replaceClient = this.ownsClient ? () => createClient(options, this.options) : undefined;
    this.client = options.sql ?? createClient(options, this.options);
    this.target = serverTarget(this.client);
  }

  /**
   * The postgres.js client the store uses: the injected `sql`, or the pool it created, for your own queries. The
   * store replaces its own pool when the server stopped answering (see `commandTimeoutMs`): read it when needed
   * rather than keeping it.
   */
  get sql(): PostgresClient {
    return this.client;
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
      throw toStoreError(error, this.target, this.qualifiedTableName);
    }
  }

  /** The seed design's name for {@link setup}. */
  initSchema(): Promise<MigrationResult> {
    return this.setup();
  }

  /**
   * Inserts a checkpoint: one plain insert (one round trip) on the common path. The unique index decides conflicts
   * atomically (`CheckpointConflictError`); when the insert is refused, a second statement tells an identical
   * re-save (a no-op) from a conflict.
   */
  async save(checkpoint: Checkpoint): Promise<void> {
    this.assertOpen();
    const params = toSaveParams(checkpoint);
    const saving: SaveTarget = { executionId: checkpoint.executionId, version: checkpoint.version };
    for (let attempt = 1; attempt <= SAVE_ATTEMPTS; attempt++) {
      if ((await this.execute(this.statements.save, params, saving)) === 1) return;
      const outcome = classified(await this.rows(this.statements.classify, params, saving));
      if (outcome === SaveOutcome.Identical) return;
      if (outcome === SaveOutcome.Conflict) break;
      // undefined: the row that blocked the insert was deleted before it could be read; insert again.
    }
    throw new CheckpointConflictError(checkpoint.executionId, checkpoint.version);
  }

  /**
   * {@inheritDoc CheckpointStore.saveMany}
   *
   * Every item is encoded first; then one transaction inserts them all in one statement (see `writeBatch`), and
   * runs again when a row that blocked an item was deleted meanwhile.
   */
  async saveMany(checkpoints: readonly Checkpoint[]): Promise<void> {
    this.assertOpen();
    const items = checkpoints.map((checkpoint) => toSaveParams(checkpoint));
    if (items.length === 0) return;
    const columns = toBatchColumns(items);
    for (let attempt = 1; attempt <= SAVE_ATTEMPTS; attempt++) {
      const written = await this.run(() =>
        this.sql.begin((tx) => writeBatch(tx, this.statements, columns, items)).catch(unlessRetry),
      );
      if (written) return;
    }
    throw batchConflict(items, 1);
  }

  /**
   * Returns the checkpoint with this id, or `undefined`. An id PostgreSQL text cannot hold (U+0000, an unpaired
   * surrogate) was never saved: `undefined` without a query.
   */
  async load(id: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    assertNonEmptyString("id", id);
    if (!isStorableText(id)) return undefined;
    const [row] = await this.rows(this.keyed(id).load, [id]);
    return row === undefined ? undefined : rowToCheckpoint(row);
  }

  /**
   * Lists an execution's checkpoints by version through the `(execution_id, version)` index (`[]` without a query
   * for an execution id PostgreSQL text cannot hold).
   */
  async list(executionId: string, options: ListOptions = {}): Promise<Checkpoint[]> {
    return (await this.listRows(executionId, options)).map(rowToCheckpoint);
  }

  /**
   * `list`'s rows as the JSON text of each encoded checkpoint: JSONB columns are read as text and pasted as they
   * are (JSONB holds nothing but valid JSON), so no state is parsed.
   */
  async listSerialized(executionId: string, options: ListOptions = {}): Promise<SerializedCheckpoint[]> {
    return (await this.listRows(executionId, options)).map(rowToSerialized);
  }

  private async listRows(executionId: string, options: ListOptions): Promise<unknown[][]> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    validateListOptions(options);
    if (!isStorableText(executionId)) return [];
    const keyed = this.keyed(executionId);
    return this.rows(options.order === "desc" ? keyed.listDesc : keyed.listAsc, [
      executionId,
      options.afterVersion ?? BIGINT_MIN,
      options.beforeVersion ?? BIGINT_MAX,
      options.limit ?? null,
    ]);
  }

  /** The newest checkpoint of an execution: one index probe (`ORDER BY version DESC LIMIT 1`). */
  async latest(executionId: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    if (!isStorableText(executionId)) return undefined;
    const [row] = await this.rows(this.keyed(executionId).latest, [executionId]);
    return row === undefined ? undefined : rowToCheckpoint(row);
  }

  /** Deletes one checkpoint; no error when it does not exist (nor when PostgreSQL text cannot hold the id). */
  async delete(id: string): Promise<void> {
    this.assertOpen();
    assertNonEmptyString("id", id);
    if (!isStorableText(id)) return;
    await this.execute(this.keyed(id).deleteOne, [id]);
  }

  /** Deletes every checkpoint of one execution. */
  async clear(executionId: string): Promise<void> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    if (!isStorableText(executionId)) return;
    await this.execute(this.keyed(executionId).clear, [executionId]);
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
   * Deletes old checkpoints of one execution in a single DELETE; returns how many were deleted (0 without a query
   * for an execution id PostgreSQL text cannot hold). `protect` ids it cannot hold protect nothing and are left
   * out. When the connection is lost after the DELETE committed but before its answer arrived, the statement is
   * repeated and returns only what the repeat deleted: a lower bound (see the README).
   */
  async prune(executionId: string, options: PruneOptions): Promise<number> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    validatePruneOptions(options);
    if (!isStorableText(executionId)) return 0;
    const protect = (options.protect ?? []).map(String).filter(isStorableText);
    return this.execute(this.keyed(executionId).prune, [
      executionId,
      Math.max(1, options.keepLast ?? 1),
      options.olderThan === undefined ? null : toTimestampText(options.olderThan.getTime()),
      JSON.stringify(protect),
    ]);
  }

  /** Resolves when the server answers `SELECT 1`; rejects with `StoreUnavailableError` otherwise. */
  async ping(): Promise<void> {
    this.assertOpen();
    await this.rows(this.statements.ping, []);
  }

  /**
   * Counts checkpoints and executions; `bytes` is the table's total size with indexes and TOAST. A table over 8 MiB
   * is not read: the counts are PostgreSQL's statistics (`reltuples`, `n_distinct`, kept by autovacuum's ANALYZE)
   * scaled to its current size, and `estimated` is true. Smaller, never analyzed or partitioned tables are counted.
   */
  async stats(): Promise<StoreStats> {
    this.assertOpen();
    const o = this.options;
    const [catalog] = await this.rows(catalogStatsSql(), [o.qualifiedTable, o.schema, o.tableName]);
    const estimate = estimateStats(catalog);
    if (estimate !== undefined) return estimate;
    const [row] = await this.rows(exactStatsSql(o.qualifiedTable), []);
    return { checkpoints: Number(row?.[0] ?? 0), executions: Number(row?.[1] ?? 0), bytes: Number(row?.[2] ?? 0) };
  }

  /**
   * Stops the store; ends the pool only when the store created it (an injected `sql` stays open). Calls under way
   * get half a second to finish, then their connections are dropped and they reject with `StoreClosedError`: a
   * server that is down or frozen does not hold `close()` up.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) await this.client.end({ timeout: CLOSE_GRACE_SECONDS });
  }

  // The statements for an id or execution id: the form whose plans settle when the id is short enough for it.
  private keyed(value: string): KeyedStatements {
    return fitsKeyPrefix(value) ? this.statements.short : this.statements.any;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError("PostgresCheckpointStore");
  }

  // `saving` names the checkpoint a save statement writes, for a conflict the server reports as an error.
  private rows(text: string, params: Param[], saving?: SaveTarget): Promise<unknown[][]> {
    return this.run(
      async () => (await this.sql.unsafe(text, params, { prepare: true }).values()) as unknown[][],
      saving,
    );
  }

  private execute(text: string, params: Param[], saving?: SaveTarget): Promise<number> {
    return this.run(async () => (await this.sql.unsafe(text, params, { prepare: true })).count, saving);
  }

  // Runs a statement, repeating it (at most twice) when the connection it used turns out to be dead. A pooled
  // connection whose backend was terminated or restarted fails on first use, and the driver may hand the repeat
  // another socket the server dropped at the same moment; without the repeats, a server restart would fail one
  // call per pooled connection. Each attempt is bounded (commandTimeoutMs plus a margin); one that outlives the
  // bound is not repeated: the server is not answering, and repeating would double the wait.
  private async run<T>(statement: () => Promise<T>, saving?: SaveTarget): Promise<T> {
    const boundMs = this.options.commandTimeoutMs + CLIENT_BOUND_MARGIN_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        const client = this.client;
        return await withinBound(statement(), boundMs, () => this.noAnswer(client, boundMs));
      } catch (error) {
        if (this.closed && isConnectionError(error)) throw new StoreClosedError("PostgresCheckpointStore");
        const pause = RECONNECT_PAUSES_MS[attempt];
        if (pause === undefined || this.closed || !isLostConnection(error)) {
          throw toStoreError(error, this.target, this.qualifiedTableName, saving);
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  // The server did not answer within the bound. The statement cannot be abandoned on its connection, and a frozen
  // server holds every other connection of the pool the same way: the store's own pool is dropped (calls on it
  // reject or repeat on the new one) and the next call connects afresh. An injected client is left to its owner.
  private noAnswer(client: PostgresClient, boundMs: number): StoreUnavailableError {
    if (this.replaceClient !== undefined && client === this.client && !this.closed) {
      this.client = this.replaceClient();
      void client.end({ timeout: 0 }).catch(() => undefined);
    }
    return new StoreUnavailableError(
      redact(
        `PostgreSQL at ${this.target.label} did not answer within ${boundMs} ms (commandTimeoutMs ` +
          `${this.options.commandTimeoutMs} ms + ${CLIENT_BOUND_MARGIN_MS} ms): the server is hung, frozen or ` +
          "unreachable. Its connections were dropped; the next call connects again.",
        this.target,
      ),
    );
  }
}
