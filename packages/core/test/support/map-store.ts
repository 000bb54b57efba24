import {
  CheckpointConflictError,
  type Checkpoint,
  type CheckpointStore,
  type ExecutionPage,
  type ListOptions,
  type PruneOptions,
  type SaveOptions,
  type StoreCapabilities,
  type StoreStats,
} from "../../src/index.js";
import {
  applyListOptions,
  compareCodePoints,
  decodeCheckpoint,
  encodeCheckpoint,
  selectPruneVictims,
  type EncodedCheckpoint,
} from "../../src/store-entry.js";

/**
 * A small but complete in-process store for core's own tests (core cannot depend on @lg/store-memory, which
 * depends on core). It keeps the contract: copies, version order, atomic conflict checks. `calls` records every
 * method call, `saveDelayMs` slows saves down, `failSaveAt` makes the Nth save (1-based) reject, `loseAnswerAt`
 * makes the Nth save land and then reject (an answer lost on the way back), `failPrune` makes every prune reject.
 */
export class MapStore implements CheckpointStore {
  /** Keeps task results natively unless a test builds it with `{ taskResults: false }` (a store of an older release). */
  readonly capabilities: StoreCapabilities;
  readonly rows = new Map<string, EncodedCheckpoint>();
  readonly calls: string[] = [];
  saveDelayMs = 0;
  failSaveAt: number | undefined;
  loseAnswerAt: number | undefined;
  failPrune = false;
  private saves = 0;

  /** The options of every `save` call, in order (a store declaring `incremental` is sent `changes`). */
  readonly saveOptions: (SaveOptions | undefined)[] = [];

  constructor(options: { taskResults?: boolean; incremental?: boolean } = {}) {
    this.capabilities = {
      taskResults: options.taskResults ?? true,
      ...(options.incremental === undefined ? {} : { incremental: options.incremental }),
    };
  }

  async save(cp: Checkpoint, options?: SaveOptions): Promise<void> {
    this.calls.push("save");
    this.saveOptions.push(options);
    const enc = encodeCheckpoint(cp);
    this.saves++;
    if (this.saveDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.saveDelayMs));
    if (this.failSaveAt === this.saves) throw new Error("disk full");
    const same = this.rows.get(enc.id);
    if (same !== undefined) {
      if (JSON.stringify(same) === JSON.stringify(enc)) return;
      throw new CheckpointConflictError(enc.executionId, enc.version);
    }
    for (const row of this.rows.values()) {
      if (row.executionId === enc.executionId && row.version === enc.version) {
        throw new CheckpointConflictError(enc.executionId, enc.version);
      }
    }
    this.rows.set(enc.id, enc);
    if (this.loseAnswerAt === this.saves) throw new Error("connection reset after the commit");
  }

  async load(id: string): Promise<Checkpoint | undefined> {
    this.calls.push("load");
    const row = this.rows.get(id);
    return row === undefined ? undefined : decodeCheckpoint(row);
  }

  private sorted(executionId: string): EncodedCheckpoint[] {
    return [...this.rows.values()].filter((r) => r.executionId === executionId).sort((a, b) => a.version - b.version);
  }

  async list(executionId: string, options?: ListOptions): Promise<Checkpoint[]> {
    this.calls.push("list");
    return applyListOptions(this.sorted(executionId), options).map((row) => decodeCheckpoint(row));
  }

  async latest(executionId: string): Promise<Checkpoint | undefined> {
    this.calls.push("latest");
    const rows = this.sorted(executionId);
    const last = rows[rows.length - 1];
    return last === undefined ? undefined : decodeCheckpoint(last);
  }

  async delete(id: string): Promise<void> {
    this.calls.push("delete");
    this.rows.delete(id);
  }

  async clear(executionId: string): Promise<void> {
    for (const row of this.sorted(executionId)) this.rows.delete(row.id);
  }

  async prune(executionId: string, options: PruneOptions): Promise<number> {
    this.calls.push("prune");
    if (this.failPrune) throw new Error("prune timed out");
    const victims = selectPruneVictims(this.sorted(executionId), options);
    for (const id of victims) this.rows.delete(id);
    return victims.length;
  }

  async listExecutions(): Promise<ExecutionPage> {
    const newest = new Map<string, EncodedCheckpoint>();
    for (const row of this.rows.values()) {
      const seen = newest.get(row.executionId);
      if (seen === undefined || seen.version < row.version) newest.set(row.executionId, row);
    }
    const executions = [...newest.values()]
      .sort((a, b) => compareCodePoints(a.executionId, b.executionId))
      .map((row) => ({ executionId: row.executionId, latestVersion: row.version, updatedAt: new Date(row.timestamp) }));
    return { executions };
  }

  async ping(): Promise<void> {}

  async stats(): Promise<StoreStats> {
    return { checkpoints: this.rows.size, executions: new Set([...this.rows.values()].map((r) => r.executionId)).size };
  }

  async close(): Promise<void> {}
}
