import { access } from "node:fs/promises";
import {
  CheckpointConflictError,
  StoreClosedError,
  StoreUnavailableError,
  type Checkpoint,
  type CheckpointHeader,
  type CheckpointStore,
  type ExecutionPage,
  type ExecutionSummary,
  type ListExecutionsOptions,
  type ListOptions,
  type SaveOptions,
  type StoreCapabilities,
  type StoreStats,
} from "@lg/core";
import {
  applyListOptions,
  assertNonEmptyString,
  compareCodePoints,
  encodeIncremental,
  isStorableId,
  validateListExecutionsOptions,
  validateListOptions,
} from "@lg/core/store";
import { ExecutionFiles } from "./execution-files.js";
import { ExecutionRows, type FileEntry, type RowEntry } from "./execution-rows.js";

const DEFAULT_PAGE_SIZE = 100;

/**
 * A {@link CheckpointStore} that keeps each execution in one JSON file inside a directory — written the way a
 * third party would, with only the public API of `@lg/core`:
 *
 * - {@link ExecutionFiles} keeps the files: one per execution, one pointer per checkpoint id, each replaced atomically.
 * - Incremental: given the runtime's `changes`, a save stores only the channels its step wrote and the items it
 *   appended, linked to its parent's row; reads fold the chain back into full states, and deleting a checkpoint
 *   other rows read through hides it instead ({@link ExecutionRows}, docs/incremental-checkpoints.md).
 * - Saves, deletes and clears of one execution run one at a time (a per-execution queue): the conflict check and
 *   the write cannot interleave. The queue lives in this instance, so several processes must not share a directory
 *   (`multiProcess: false`).
 */
export class JsonFileCheckpointStore implements CheckpointStore {
  /** Persistent, incremental, headers without states; one process per directory; prune is core's list + delete. */
  readonly capabilities: StoreCapabilities = {
    persistent: true,
    multiProcess: false,
    ttl: false,
    nativePrune: false,
    taskResults: true,
    incremental: true,
    headerList: true,
  };

  private readonly files: ExecutionFiles;
  private readonly queues = new Map<string, Promise<unknown>>();
  private closed = false;

  /** Opens (and creates, if needed) a store in `directory`. */
  constructor(readonly directory: string) {
    this.files = new ExecutionFiles(directory);
  }

  /** Path of the file holding an execution's rows (for backups and tests). */
  executionPath(executionId: string): string {
    return this.files.executionPath(executionId);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError("JsonFileCheckpointStore");
  }

  /** Runs `task` after every earlier task of the same execution, so read-check-write sequences never overlap. */
  private exclusive<T>(executionId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(executionId) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(executionId, settled);
    void settled.then(() => {
      if (this.queues.get(executionId) === settled) this.queues.delete(executionId);
    });
    return run;
  }

  private async rowsOf(executionId: string): Promise<ExecutionRows> {
    return new ExecutionRows(await this.files.read(executionId));
  }

  /**
   * Stores a copy — with `options.changes`, only what changed since its parent. `CheckpointConflictError` when the
   * version is taken (by a hidden row too) or the id holds different content; an identical re-save is a no-op, and
   * brings a deleted checkpoint that other rows still read through back.
   */
  async save(checkpoint: Checkpoint, options?: SaveOptions): Promise<void> {
    this.assertOpen();
    // Validates, encodes only the changed channels, and refuses changes that do not fit, before anything is written.
    let encoded = encodeIncremental(checkpoint, options?.changes);
    const { id, executionId, version } = encoded.header;
    await this.exclusive(executionId, async () => {
      const rows = await this.rowsOf(executionId);
      const existing = rows.get(id);
      if (existing !== undefined) {
        if (!rows.holds(existing, encoded, checkpoint)) throw new CheckpointConflictError(executionId, version);
        if (existing.hidden !== true) return; // identical re-save: nothing to do
        rows.unhide(existing);
        await this.files.write(rows.file);
        return;
      }
      if (rows.versionTaken(version)) throw new CheckpointConflictError(executionId, version);
      let link = options?.changes?.parentId;
      if (link !== undefined && rows.get(link) === undefined) {
        // The parent is not in this file (deleted meanwhile): nothing to read through, so the row is stored whole.
        link = undefined;
        encoded = encodeIncremental(checkpoint);
      }
      const entry: RowEntry = {
        id,
        version,
        timestamp: encoded.header.timestamp,
        header: encoded.header,
        row: encoded.row,
      };
      if (link !== undefined) entry.link = link;
      await this.files.pointTo(id, executionId); // pointer first: a crash leaves it dangling, never missing
      rows.add(entry);
      await this.files.write(rows.file);
    });
  }

  /** The visible row with this id and its execution's rows, or `undefined`. */
  private async find(id: string): Promise<{ rows: ExecutionRows; entry: FileEntry } | undefined> {
    // File names hash the UTF-8 form, where a lone surrogate becomes U+FFFD: such an id would find its twin.
    if (!isStorableId(id)) return undefined;
    const executionId = await this.files.executionOf(id);
    if (executionId === undefined) return undefined;
    const rows = await this.rowsOf(executionId);
    const entry = rows.get(id);
    return entry === undefined || entry.hidden === true ? undefined : { rows, entry };
  }

  /** The checkpoint with this id, or `undefined`. */
  async load(id: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    assertNonEmptyString("id", id);
    const found = await this.find(id);
    return found === undefined ? undefined : found.rows.checkpoint(found.entry);
  }

  /** The execution's checkpoints ordered by version, each folded from the one before it. */
  async list(executionId: string, options?: ListOptions): Promise<Checkpoint[]> {
    const { rows, entries } = await this.listed(executionId, options);
    return rows.checkpointsOf(entries);
  }

  /** What `list` returns with the same options, without the states (no chain is read, no state decoded). */
  async listHeaders(executionId: string, options?: ListOptions): Promise<CheckpointHeader[]> {
    const { rows, entries } = await this.listed(executionId, options);
    return entries.map((entry) => rows.header(entry));
  }

  private async listed(
    executionId: string,
    options: ListOptions | undefined,
  ): Promise<{ rows: ExecutionRows; entries: FileEntry[] }> {
    this.assertOpen();
    validateListOptions(options);
    const rows = isStorableId(executionId)
      ? await this.rowsOf(executionId)
      : new ExecutionRows({ executionId, entries: [] });
    return { rows, entries: applyListOptions(rows.checkpoints(), options) };
  }

  /** The execution's highest version, or `undefined`. */
  async latest(executionId: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    if (!isStorableId(executionId)) return undefined;
    const rows = await this.rowsOf(executionId);
    const newest = rows.newest();
    return newest === undefined ? undefined : rows.checkpoint(newest);
  }

  /** Deletes one checkpoint; nothing happens when it does not exist. Rows that read through it keep their state. */
  async delete(id: string): Promise<void> {
    this.assertOpen();
    if (!isStorableId(id)) return;
    const executionId = await this.files.executionOf(id);
    if (executionId === undefined) return;
    await this.exclusive(executionId, async () => {
      const rows = await this.rowsOf(executionId);
      const entry = rows.get(id);
      if (entry === undefined || entry.hidden === true) return;
      const gone = rows.remove(new Set([id]));
      await this.files.write(rows.file);
      await this.files.forget(gone);
    });
  }

  /** Deletes every checkpoint of one execution, and the rows kept for them. */
  async clear(executionId: string): Promise<void> {
    this.assertOpen();
    if (!isStorableId(executionId)) return;
    await this.exclusive(executionId, async () => {
      const file = await this.files.read(executionId);
      await this.files.remove(executionId);
      await this.files.forget(file.entries.map((entry) => entry.id));
    });
  }

  /** Pages through the executions that have checkpoints, ordered by execution id. */
  async listExecutions(options?: ListExecutionsOptions): Promise<ExecutionPage> {
    this.assertOpen();
    validateListExecutionsOptions(options);
    const limit = options?.limit ?? DEFAULT_PAGE_SIZE;
    const summaries: ExecutionSummary[] = [];
    for (const { file } of await this.files.readAll()) {
      if (options?.cursor !== undefined && compareCodePoints(file.executionId, options.cursor) <= 0) continue;
      const newest = new ExecutionRows(file).newest();
      if (newest === undefined) continue; // only rows kept for others: no checkpoint
      summaries.push({
        executionId: file.executionId,
        latestVersion: newest.version,
        updatedAt: new Date(newest.timestamp),
      });
    }
    summaries.sort((a, b) => compareCodePoints(a.executionId, b.executionId));
    const page = summaries.slice(0, limit);
    const last = page[page.length - 1];
    return summaries.length > limit && last !== undefined
      ? { executions: page, nextCursor: last.executionId }
      : { executions: page };
  }

  /** Resolves when the directory is reachable. */
  async ping(): Promise<void> {
    this.assertOpen();
    try {
      await access(this.directory);
    } catch (error) {
      throw new StoreUnavailableError(`directory ${this.directory} is not reachable: ${String(error)}`, {
        cause: error,
      });
    }
  }

  /** Checkpoint and execution counts (hidden rows are no checkpoints), and the bytes of the execution files. */
  async stats(): Promise<StoreStats> {
    this.assertOpen();
    let checkpoints = 0;
    let executions = 0;
    let bytes = 0;
    for (const each of await this.files.readAll()) {
      const count = new ExecutionRows(each.file).checkpoints().length;
      checkpoints += count;
      if (count > 0) executions++;
      bytes += each.bytes;
    }
    return { checkpoints, executions, bytes };
  }

  /** Waits for queued writes, then refuses further calls. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.queues.values()]);
  }
}
