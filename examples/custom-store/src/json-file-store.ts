import { createHash, randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { readdir, readFile, rename, rm, stat, writeFile, access } from "node:fs/promises";
import { join } from "node:path";
import {
  CheckpointConflictError,
  CheckpointCorruptError,
  StoreClosedError,
  StoreUnavailableError,
  type Checkpoint,
  type CheckpointStore,
  type ExecutionPage,
  type ExecutionSummary,
  type ListExecutionsOptions,
  type ListOptions,
  type StoreCapabilities,
  type StoreStats,
} from "@lg/core";
import {
  compareCodePoints,
  applyListOptions,
  assertNonEmptyString,
  deserializeCheckpoint,
  isStorableId,
  serializeCheckpoint,
  jsonTextEqual,
  validateListExecutionsOptions,
  validateListOptions,
} from "@lg/core/store";

/** One checkpoint inside an execution file: what ordering needs, plus the serialized checkpoint. */
export interface FileEntry {
  /** Checkpoint id. */
  id: string;
  /** Version; entries are kept sorted by it. */
  version: number;
  /** Creation time in epoch milliseconds. */
  timestamp: number;
  /** `serializeCheckpoint(cp)`: one JSON string, so a damaged entry does not spoil its neighbours. */
  data: string;
}

/** The content of one execution file. */
export interface ExecutionFile {
  /** The execution id (file names are hashes, so the id is kept inside). */
  executionId: string;
  /** Its checkpoints, ascending by version. */
  entries: FileEntry[];
}

const DEFAULT_PAGE_SIZE = 100;

function hashName(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

/**
 * A {@link CheckpointStore} that keeps each execution in one JSON file inside a directory — written the way a
 * third party would, with only the public API of `@lg/core`:
 *
 * - `executions/<sha256(executionId)>.json` holds the execution's checkpoints sorted by version; hashed names make
 *   any execution id (1 KB, `/`, `:`, `*`, Unicode) a valid file name.
 * - `ids/<sha256(id)>` names the execution a checkpoint id belongs to, so `load(id)` reads one file.
 * - Files are replaced atomically (write a temporary file, then rename), so a crash never leaves half a file.
 * - Saves, deletes and clears of one execution run one at a time (a per-execution queue): the conflict check and
 *   the write cannot interleave. The queue lives in this instance, so several processes must not share a directory
 *   (`multiProcess: false`).
 */
export class JsonFileCheckpointStore implements CheckpointStore {
  /** Data survives restarts; one process per directory; prune falls back to core's list + delete. */
  readonly capabilities: StoreCapabilities = {
    persistent: true,
    multiProcess: false,
    ttl: false,
    nativePrune: false,
    taskResults: true,
  };

  private readonly queues = new Map<string, Promise<unknown>>();
  private closed = false;

  /** Opens (and creates, if needed) a store in `directory`. */
  constructor(readonly directory: string) {
    mkdirSync(join(directory, "executions"), { recursive: true });
    mkdirSync(join(directory, "ids"), { recursive: true });
  }

  /** Path of the file holding an execution's checkpoints (for backups and tests). */
  executionPath(executionId: string): string {
    return join(this.directory, "executions", `${hashName(executionId)}.json`);
  }

  private idPath(id: string): string {
    return join(this.directory, "ids", hashName(id));
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

  private async readExecution(executionId: string): Promise<ExecutionFile> {
    let text: string;
    try {
      text = await readFile(this.executionPath(executionId), "utf8");
    } catch (error) {
      if (isMissing(error)) return { executionId, entries: [] };
      throw new StoreUnavailableError(`cannot read ${this.executionPath(executionId)}: ${String(error)}`, {
        cause: error,
      });
    }
    try {
      return JSON.parse(text) as ExecutionFile;
    } catch (error) {
      throw new CheckpointCorruptError(undefined, `execution file of "${executionId}" is not valid JSON`, {
        cause: error,
      });
    }
  }

  private async writeAtomically(path: string, text: string): Promise<void> {
    const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(temporary, text, "utf8");
    await rename(temporary, path);
  }

  private async writeExecution(file: ExecutionFile): Promise<void> {
    const path = this.executionPath(file.executionId);
    if (file.entries.length === 0) await rm(path, { force: true });
    else await this.writeAtomically(path, JSON.stringify(file));
  }

  private decode(entry: FileEntry): Checkpoint {
    return deserializeCheckpoint(entry.data, entry.id);
  }

  /** Stores a copy; `CheckpointConflictError` when the version is taken or the id holds different content. */
  async save(checkpoint: Checkpoint): Promise<void> {
    this.assertOpen();
    const data = serializeCheckpoint(checkpoint); // validates, and rejects unstorable values naming their path
    const { id, executionId, version } = checkpoint;
    await this.exclusive(executionId, async () => {
      const file = await this.readExecution(executionId);
      const sameId = file.entries.find((entry) => entry.id === id);
      if (sameId !== undefined) {
        if (jsonTextEqual(sameId.data, data)) return; // identical re-save (keys in any order): nothing to do
        throw new CheckpointConflictError(executionId, version);
      }
      if (file.entries.some((entry) => entry.version === version))
        throw new CheckpointConflictError(executionId, version);
      await this.writeAtomically(this.idPath(id), executionId); // pointer first: a crash leaves it dangling, never missing
      file.entries.push({ id, version, timestamp: checkpoint.timestamp.getTime(), data });
      file.entries.sort((a, b) => a.version - b.version);
      await this.writeExecution(file);
    });
  }

  private async executionOf(id: string): Promise<string | undefined> {
    try {
      return await readFile(this.idPath(id), "utf8");
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** The checkpoint with this id, or `undefined`. */
  async load(id: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    assertNonEmptyString("id", id);
    // File names hash the UTF-8 form, where a lone surrogate becomes U+FFFD: such an id would find its twin.
    if (!isStorableId(id)) return undefined;
    const executionId = await this.executionOf(id);
    if (executionId === undefined) return undefined;
    const entry = (await this.readExecution(executionId)).entries.find((e) => e.id === id);
    return entry === undefined ? undefined : this.decode(entry);
  }

  /** The execution's checkpoints ordered by version. */
  async list(executionId: string, options?: ListOptions): Promise<Checkpoint[]> {
    this.assertOpen();
    validateListOptions(options);
    if (!isStorableId(executionId)) return [];
    const { entries } = await this.readExecution(executionId);
    return applyListOptions(entries, options).map((entry) => this.decode(entry));
  }

  /** The execution's highest version, or `undefined`. */
  async latest(executionId: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    if (!isStorableId(executionId)) return undefined;
    const { entries } = await this.readExecution(executionId);
    const newest = entries[entries.length - 1];
    return newest === undefined ? undefined : this.decode(newest);
  }

  /** Deletes one checkpoint; nothing happens when it does not exist. */
  async delete(id: string): Promise<void> {
    this.assertOpen();
    if (!isStorableId(id)) return;
    const executionId = await this.executionOf(id);
    if (executionId === undefined) return;
    await this.exclusive(executionId, async () => {
      const file = await this.readExecution(executionId);
      file.entries = file.entries.filter((entry) => entry.id !== id);
      await this.writeExecution(file);
      await rm(this.idPath(id), { force: true });
    });
  }

  /** Deletes every checkpoint of one execution. */
  async clear(executionId: string): Promise<void> {
    this.assertOpen();
    if (!isStorableId(executionId)) return;
    await this.exclusive(executionId, async () => {
      const file = await this.readExecution(executionId);
      await rm(this.executionPath(executionId), { force: true });
      for (const entry of file.entries) await rm(this.idPath(entry.id), { force: true });
    });
  }

  private async allExecutionFiles(): Promise<ExecutionFile[]> {
    const names = (await readdir(join(this.directory, "executions"))).filter((name) => name.endsWith(".json"));
    const files: ExecutionFile[] = [];
    for (const name of names) {
      try {
        files.push(JSON.parse(await readFile(join(this.directory, "executions", name), "utf8")) as ExecutionFile);
      } catch (error) {
        if (!isMissing(error)) throw error; // removed by a concurrent clear: skip it
      }
    }
    return files;
  }

  /** Pages through the executions, ordered by execution id. */
  async listExecutions(options?: ListExecutionsOptions): Promise<ExecutionPage> {
    this.assertOpen();
    validateListExecutionsOptions(options);
    const limit = options?.limit ?? DEFAULT_PAGE_SIZE;
    const summaries: ExecutionSummary[] = (await this.allExecutionFiles())
      .filter((file) => file.entries.length > 0)
      .filter((file) => options?.cursor === undefined || compareCodePoints(file.executionId, options.cursor) > 0)
      .map((file) => {
        const newest = file.entries[file.entries.length - 1] as FileEntry;
        return { executionId: file.executionId, latestVersion: newest.version, updatedAt: new Date(newest.timestamp) };
      })
      .sort((a, b) => compareCodePoints(a.executionId, b.executionId));
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

  /** Checkpoint and execution counts, and the bytes of the execution files. */
  async stats(): Promise<StoreStats> {
    this.assertOpen();
    const files = await this.allExecutionFiles();
    let bytes = 0;
    for (const file of files)
      bytes += (await stat(this.executionPath(file.executionId)).catch(() => ({ size: 0 }))).size;
    const checkpoints = files.reduce((sum, file) => sum + file.entries.length, 0);
    return { checkpoints, executions: files.filter((f) => f.entries.length > 0).length, bytes };
  }

  /** Waits for queued writes, then refuses further calls. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.queues.values()]);
  }
}
