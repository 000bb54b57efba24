import {
  CheckpointConflictError,
  StoreClosedError,
  StoreUnavailableError,
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
  compareCodePoints,
  deserializeCheckpoint,
  isStorableId,
  jsonTextEqual,
  selectPruneVictims,
  serializeCheckpoint,
  validateListExecutionsOptions,
  validateListOptions,
} from "@lg/core/store";
import type { MutantName } from "./catalogue.js";
import { readTimestamp, throughDriver, writeTimestamp, writeVersion } from "./columns.js";

/** One stored row, keyed by the id as the driver sent it. */
export interface Row {
  seq: number;
  id: string;
  executionId: string;
  version: number;
  timestamp: number;
  text: string;
  object?: Checkpoint;
}

/** Options of {@link MutantStore}. */
export interface MutantStoreOptions {
  /** The planted bug, or none for the correct store. */
  mutant?: MutantName;
  /** The table shared by every instance on the same location. */
  rows?: Map<string, Row>;
  /** A server URL that does not answer: every call fails as unreachable. */
  unreachableUrl?: string;
}

const RESAVE_FIELDS: Partial<Record<MutantName, keyof Checkpoint>> = {
  "resave-ignores-nodeName": "nodeName",
  "resave-ignores-metadata": "metadata",
  "resave-ignores-timestamp": "timestamp",
  "resave-ignores-parentId": "parentId",
  "resave-ignores-next": "next",
  "resave-ignores-state": "state",
  "resave-ignores-version": "version",
};

let sequence = 0;

/**
 * A small store shaped like a SQL one (a table of rows with typed columns behind a UTF-8 driver) that keeps the
 * contract, with a switch that plants one bug of the catalogue. The correct store passes the whole spec; the
 * mutation harness runs the spec once per bug.
 */
export class MutantStore implements CheckpointStore {
  readonly capabilities: StoreCapabilities = {
    nativePrune: true,
    taskResults: true,
    persistent: true,
    multiProcess: true,
  };
  /** The table: rows by the id as the driver sent it. */
  readonly rows: Map<string, Row>;
  private readonly mutant: MutantName | undefined;
  private readonly cache = new Map<string, Checkpoint>();
  private closed = false;

  constructor(private readonly options: MutantStoreOptions = {}) {
    this.rows = options.rows ?? new Map();
    this.mutant = options.mutant;
  }

  /** A second instance on the same table. */
  reopen(): MutantStore {
    const rows = this.mutant === "reopen-loses-data" ? new Map<string, Row>() : this.rows;
    return new MutantStore({ ...this.options, rows });
  }

  private is(mutant: MutantName): boolean {
    return this.mutant === mutant;
  }

  private open(read = false): void {
    if (this.closed && !(read && this.is("closed-reads-succeed"))) throw new StoreClosedError("MutantStore");
    const url = this.options.unreachableUrl;
    if (url === undefined) return;
    const refused = new Error(`connect ECONNREFUSED ${url}`);
    if (this.is("unavailable-plain-error")) throw refused;
    if (this.is("unavailable-secret-in-cause"))
      throw new StoreUnavailableError(`cannot reach ${url}`, { cause: refused });
    const error = new StoreUnavailableError(`cannot reach ${url}; is the server running?`);
    if (this.is("unavailable-secret-in-property")) throw Object.assign(error, { url });
    throw error;
  }

  /** `open` for reads, which the "swallowed" bug turns into "nothing stored". */
  private openForRead(): boolean {
    try {
      this.open(true);
      return true;
    } catch (error) {
      if (this.is("unavailable-swallowed") && error instanceof StoreUnavailableError) return false;
      throw error;
    }
  }

  private ofExecution(executionId: string): Row[] {
    const key = throughDriver(executionId);
    const match = (row: Row): boolean =>
      this.is("execution-prefix-match") ? row.executionId.startsWith(key) : row.executionId === key;
    const rows = [...this.rows.values()].filter(match);
    if (this.is("list-insertion-order")) return rows.sort((a, b) => a.seq - b.seq);
    if (this.is("list-string-versions")) return rows.sort((a, b) => String(a.version).localeCompare(String(b.version)));
    return rows.sort((a, b) => a.version - b.version);
  }

  private readable(id: string): boolean {
    return this.is("read-without-id-check") || isStorableId(id);
  }

  private decode(row: Row): Checkpoint {
    if (this.is("save-keeps-caller-object") && row.object !== undefined) return row.object;
    const cached = this.cache.get(row.id);
    if (cached !== undefined) return cached;
    if (this.is("decode-raw-json")) JSON.parse(row.text);
    const cp = deserializeCheckpoint(row.text, row.id);
    cp.timestamp = new Date(readTimestamp(row.timestamp, this.mutant));
    cp.version = row.version;
    if (this.is("load-cached-object")) this.cache.set(row.id, cp);
    return cp;
  }

  private encode(cp: Checkpoint): string {
    if (this.is("tasks-dropped")) {
      const { tasks: _dropped, ...rest } = cp;
      return serializeCheckpoint(rest);
    }
    if (this.is("state-plain-json")) serializeCheckpoint(cp); // still validates, as the correct store does
    return serializeCheckpoint(
      this.is("state-plain-json") ? { ...cp, state: JSON.parse(JSON.stringify(cp.state ?? null)) } : cp,
    );
  }

  /** Whether a stored row holds the same checkpoint as `cp` (the idempotent re-save). */
  private same(row: Row, cp: Checkpoint, text: string): boolean {
    if (this.is("resave-always-conflicts")) return false;
    if (this.is("resave-raw-text")) return row.text === text;
    const ignored = this.mutant === undefined ? undefined : RESAVE_FIELDS[this.mutant];
    if (ignored === undefined) return jsonTextEqual(row.text, text) && row.version === cp.version;
    const stored = deserializeCheckpoint(row.text, row.id) as unknown as Record<string, unknown>;
    const probe: Record<string, unknown> = { ...cp, [ignored]: stored[ignored] };
    if (stored[ignored] === undefined) delete probe[ignored];
    return jsonTextEqual(row.text, this.encode(probe as unknown as Checkpoint));
  }

  private conflict(cp: Checkpoint): Error {
    if (this.is("conflict-plain-error")) return new Error(`duplicate key (${cp.executionId}, ${cp.version})`);
    return new CheckpointConflictError(cp.executionId, cp.version);
  }

  async save(cp: Checkpoint): Promise<void> {
    this.open();
    const text = this.encode(cp);
    const key = throughDriver(cp.id);
    const existing = this.rows.get(key);
    if (existing !== undefined && !this.is("resave-overwrites")) {
      if (this.same(existing, cp, text)) return;
      throw this.conflict(cp);
    }
    const version = writeVersion(cp.version, this.mutant);
    const taken = this.is("version-unique-globally")
      ? [...this.rows.values()].find((r) => r.version === version && r.id !== key)
      : this.ofExecution(cp.executionId).find(
          (r) => r.version === version && r.executionId === throughDriver(cp.executionId) && r.id !== key,
        );
    if (taken !== undefined) {
      if (!this.is("version-overwrites")) throw this.conflict(cp);
      this.rows.delete(taken.id);
    }
    this.cache.delete(key);
    this.rows.set(key, {
      seq: ++sequence,
      id: key,
      executionId: throughDriver(cp.executionId),
      version,
      timestamp: writeTimestamp(cp.timestamp.getTime(), this.mutant),
      text,
      ...(this.is("save-keeps-caller-object") ? { object: cp } : {}),
    });
  }

  async load(id: string): Promise<Checkpoint | undefined> {
    if (!this.openForRead() || !this.readable(id)) return undefined;
    const row = this.rows.get(throughDriver(id));
    if (row === undefined) return this.is("load-missing-null") ? (null as unknown as undefined) : undefined;
    return this.decode(row);
  }

  async list(executionId: string, options?: ListOptions): Promise<Checkpoint[]> {
    if (!this.openForRead()) return [];
    validateListOptions(options);
    if (!this.readable(executionId)) return [];
    const effective: ListOptions = { ...options };
    if (this.is("list-ignores-order")) delete effective.order;
    if (this.is("list-ignores-limit")) delete effective.limit;
    if (this.is("list-before-inclusive") && effective.beforeVersion !== undefined) effective.beforeVersion += 1;
    return applyListOptions(this.ofExecution(executionId), effective).map((row) => this.decode(row));
  }

  async latest(executionId: string): Promise<Checkpoint | undefined> {
    if (!this.openForRead() || !this.readable(executionId)) return undefined;
    const rows = this.ofExecution(executionId);
    if (this.is("latest-by-timestamp")) rows.sort((a, b) => a.timestamp - b.timestamp);
    if (this.is("latest-by-insertion")) rows.sort((a, b) => a.seq - b.seq);
    const last = rows[rows.length - 1];
    return last === undefined ? undefined : this.decode(last);
  }

  async delete(id: string): Promise<void> {
    this.open();
    if (this.readable(id) && !this.is("delete-noop")) this.rows.delete(throughDriver(id));
  }

  async clear(executionId: string): Promise<void> {
    this.open();
    if (!this.readable(executionId) || this.is("clear-noop")) return;
    const key = throughDriver(executionId);
    for (const row of [...this.rows.values()]) {
      if (row.executionId === key || (this.is("clear-prefix") && row.executionId.startsWith(key)))
        this.rows.delete(row.id);
    }
  }

  async prune(executionId: string, options: PruneOptions): Promise<number> {
    this.open();
    assertNonEmptyString("executionId", executionId);
    let rows = this.ofExecution(executionId);
    if (this.is("prune-keepLast-by-insertion")) rows = [...rows].sort((a, b) => a.seq - b.seq);
    const effective: PruneOptions = { ...options };
    if (this.is("prune-ignores-protect")) delete effective.protect;
    if (this.is("prune-olderThan-inclusive") && options.olderThan instanceof Date) {
      effective.olderThan = new Date(options.olderThan.getTime() + 1);
    }
    const candidates = rows.map((row) => ({ ...row, timestamp: readTimestamp(row.timestamp, this.mutant) }));
    const victims = selectPruneVictims(candidates, effective);
    const newest = rows[rows.length - 1];
    if (this.is("prune-deletes-newest") && newest !== undefined && effective.olderThan !== undefined) {
      if (readTimestamp(newest.timestamp, this.mutant) < effective.olderThan.getTime()) victims.push(newest.id);
    }
    for (const id of victims) this.rows.delete(id);
    return this.is("prune-returns-zero") ? 0 : victims.length;
  }

  async listExecutions(options?: ListExecutionsOptions): Promise<ExecutionPage> {
    if (!this.openForRead()) return { executions: [] };
    if (!this.is("executions-no-validation")) validateListExecutionsOptions(options);
    const chosen = new Map<string, Row>();
    const latestTime = new Map<string, number>();
    for (const row of this.rows.values()) {
      const seen = chosen.get(row.executionId);
      if (seen === undefined || this.prefer(row, seen)) chosen.set(row.executionId, row);
      latestTime.set(row.executionId, Math.max(latestTime.get(row.executionId) ?? -Infinity, row.timestamp));
    }
    const cursor = options?.cursor;
    const order = this.is("executions-code-unit-order")
      ? (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
      : compareCodePoints;
    const after = (id: string): boolean =>
      cursor === undefined || (this.is("executions-cursor-inclusive") ? order(id, cursor) >= 0 : order(id, cursor) > 0);
    const ids = [...chosen.keys()].sort(order).filter(after);
    const limit = options?.limit ?? 100;
    const page = ids.slice(0, limit);
    const executions = page.map((executionId) => {
      const row = chosen.get(executionId) as Row;
      const stored = this.is("executions-updatedAt-max-timestamp")
        ? (latestTime.get(executionId) as number)
        : row.timestamp;
      return { executionId, latestVersion: row.version, updatedAt: new Date(readTimestamp(stored, this.mutant)) };
    });
    const more = this.is("executions-cursor-on-full-page") ? ids.length >= limit : ids.length > limit;
    return more && page.length > 0 ? { executions, nextCursor: page[page.length - 1] as string } : { executions };
  }

  /** Whether `row` rather than `seen` summarises its execution in listExecutions. */
  private prefer(row: Row, seen: Row): boolean {
    if (this.is("executions-lowest-version")) return row.version < seen.version;
    return row.version > seen.version;
  }

  async ping(): Promise<void> {
    this.open();
  }

  async stats(): Promise<StoreStats> {
    this.open();
    const executions = new Set([...this.rows.values()].map((r) => r.executionId));
    const bytes = [...this.rows.values()].reduce((sum, row) => sum + row.text.length, 0);
    const checkpoints = this.rows.size;
    return {
      checkpoints,
      executions: this.is("stats-executions-as-checkpoints") ? checkpoints : executions.size,
      bytes,
    };
  }

  async close(): Promise<void> {
    if (this.closed && this.is("close-twice-throws")) throw new Error("pool already ended");
    this.closed = true;
  }
}
