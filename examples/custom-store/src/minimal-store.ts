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
  applyListOptions,
  assertNonEmptyString,
  decodeStoredCheckpoint,
  isStorableId,
  pageByCodePoint,
  sameCheckpoint,
  selectPruneVictims,
  serializeCheckpoint,
  validateListExecutionsOptions,
  validateListOptions,
} from "@lg/core/store";

/** One row of the table a SQL store would create: key columns beside the checkpoint as JSON text. */
export interface MinimalRow {
  id: string;
  executionId: string;
  version: number;
  /** Epoch milliseconds (a SQL store: `TIMESTAMPTZ`/`BIGINT`, never a local-time `DATETIME`). */
  timestamp: number;
  /** `serializeCheckpoint(cp)`. */
  data: string;
}

/**
 * The smallest store that passes the whole conformance spec: the skeleton of the core README's "Writing a store".
 * Its table is a Map (rows by id); each method says in a comment what a SQL backend does in its place. Instances
 * created over the same `rows` share data, like two processes on one database.
 */
export class MinimalCheckpointStore implements CheckpointStore {
  readonly capabilities: StoreCapabilities = {
    nativePrune: true,
    taskResults: true,
    persistent: true,
    multiProcess: true,
  };
  private closed = false;

  /** Opens the store over `rows` (a fresh table by default). */
  constructor(readonly rows: Map<string, MinimalRow> = new Map()) {}

  private open(): void {
    if (this.closed) throw new StoreClosedError("MinimalCheckpointStore");
  }

  /** SQL: `SELECT … WHERE execution_id = $1 ORDER BY version` (a unique index on (execution_id, version)). */
  private ofExecution(executionId: string): MinimalRow[] {
    return [...this.rows.values()].filter((r) => r.executionId === executionId).sort((a, b) => a.version - b.version);
  }

  private decode(row: MinimalRow): Checkpoint {
    return decodeStoredCheckpoint(row.data, row); // CheckpointCorruptError on damaged or mismatched text
  }

  async save(cp: Checkpoint): Promise<void> {
    this.open();
    const data = serializeCheckpoint(cp); // validates, rejects unstorable values naming their path
    // SQL: INSERT … ON CONFLICT DO NOTHING in one statement, then read the row holding the id or the version.
    // Check and insert must be atomic; here nothing awaits between them.
    const holder = this.rows.get(cp.id) ?? this.ofExecution(cp.executionId).find((r) => r.version === cp.version);
    if (holder !== undefined) {
      if (holder.id === cp.id && sameCheckpoint(this.decode(holder), cp)) return; // identical re-save: a no-op
      throw new CheckpointConflictError(cp.executionId, cp.version);
    }
    this.rows.set(cp.id, {
      id: cp.id,
      executionId: cp.executionId,
      version: cp.version,
      timestamp: cp.timestamp.getTime(),
      data,
    });
  }

  async load(id: string): Promise<Checkpoint | undefined> {
    this.open();
    if (!isStorableId(id)) return undefined; // a UTF-8 driver would turn a lone surrogate into U+FFFD
    const row = this.rows.get(id);
    return row === undefined ? undefined : this.decode(row);
  }

  async list(executionId: string, options?: ListOptions): Promise<Checkpoint[]> {
    this.open();
    validateListOptions(options);
    if (!isStorableId(executionId)) return [];
    return applyListOptions(this.ofExecution(executionId), options).map((row) => this.decode(row));
  }

  async latest(executionId: string): Promise<Checkpoint | undefined> {
    this.open(); // SQL: ORDER BY version DESC LIMIT 1, one round trip
    const rows = isStorableId(executionId) ? this.ofExecution(executionId) : [];
    const newest = rows[rows.length - 1];
    return newest === undefined ? undefined : this.decode(newest);
  }

  async delete(id: string): Promise<void> {
    this.open();
    if (isStorableId(id)) this.rows.delete(id);
  }

  async clear(executionId: string): Promise<void> {
    this.open(); // SQL: DELETE … WHERE execution_id = $1 (equality, never LIKE)
    if (isStorableId(executionId)) for (const row of this.ofExecution(executionId)) this.rows.delete(row.id);
  }

  async prune(executionId: string, options: PruneOptions): Promise<number> {
    this.open();
    assertNonEmptyString("executionId", executionId);
    const victims = selectPruneVictims(this.ofExecution(executionId), options); // keeps the newest and `protect`
    for (const id of victims) this.rows.delete(id);
    return victims.length;
  }

  async listExecutions(options?: ListExecutionsOptions): Promise<ExecutionPage> {
    this.open();
    validateListExecutionsOptions(options);
    // SQL: the newest row per execution_id after the cursor, ORDER BY execution_id COLLATE "C", LIMIT limit + 1.
    const newest = new Map<string, MinimalRow>();
    for (const row of this.rows.values()) {
      const seen = newest.get(row.executionId);
      if (seen === undefined || seen.version < row.version) newest.set(row.executionId, row);
    }
    const page = pageByCodePoint([...newest.values()], (row) => row.executionId, {
      limit: options?.limit ?? 100,
      cursor: options?.cursor,
    });
    const executions = page.items.map((row) => ({
      executionId: row.executionId,
      latestVersion: row.version,
      updatedAt: new Date(row.timestamp), // the newest version's timestamp, not the largest one
    }));
    return page.nextCursor === undefined ? { executions } : { executions, nextCursor: page.nextCursor };
  }

  async ping(): Promise<void> {
    this.open(); // SQL: SELECT 1, mapping a connection failure to StoreUnavailableError (password redacted)
  }

  async stats(): Promise<StoreStats> {
    this.open();
    const executions = new Set([...this.rows.values()].map((row) => row.executionId)).size;
    return { checkpoints: this.rows.size, executions };
  }

  async close(): Promise<void> {
    this.closed = true; // SQL: end the pool it created (not one it was given); a second close is harmless
  }
}
