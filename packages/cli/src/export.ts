import { WriteStream } from "node:fs";
import { Socket } from "node:net";
import type { Writable } from "node:stream";
import type { CheckpointStore } from "@lg/core";
import { BackupChunks, EXPORT_CHUNK_BYTES, fillChunks } from "./backup-chunks.js";
import { exportInThreads } from "./threads/export-threads.js";
import { threadsAvailable } from "./threads/worker-script.js";
import { walkSerializedPages, DEFAULT_PAGE_SIZE } from "./walk.js";

/**
 * `export`: streams a store's checkpoints to a writable as backup lines (see `backup-format.ts`), in constant
 * memory: one page is read ahead, lines are written in chunks, and writing waits whenever the destination is full.
 *
 * @packageDocumentation
 */

/** Options of {@link exportCheckpoints}. */
export interface ExportOptions {
  /** Only this execution (its checkpoints, oldest first); otherwise every execution in the store. */
  executionId?: string;
  /** Checkpoints read per `list` call. */
  pageSize?: number;
  /** Called after each chunk is handed to the destination, with the running totals. */
  onProgress?: (progress: ExportProgress) => void;
  /**
   * Read with this many worker threads, each with its own connection to the store opened from `storeUrl` (which must
   * name the store `store` is): executions are read at once while the lines are written in the same order as by one
   * thread. Only for a whole-store export, from the built package, with `jobs` of 2 or more; otherwise one thread.
   */
  threads?: ExportThreads;
}

/** The worker threads of an export: see {@link ExportOptions.threads}. */
export interface ExportThreads {
  /** The URL of the store being exported, opened again by every thread. */
  storeUrl: string;
  /** Threads reading at once. */
  jobs: number;
}

/** Running totals of an export. */
export interface ExportProgress {
  /** Checkpoints written. */
  checkpoints: number;
  /** Bytes written (UTF-8). */
  bytes: number;
  /** Threads reading: 1, or the `jobs` of `ExportOptions.threads` when they were used. */
  threads: number;
}

/** Resolves when `out` can take more data (its buffer drained), or rejects if it fails or closes first. */
function drained(out: Writable): Promise<void> {
  // A stream that already failed or closed emits nothing more: waiting for its events would never end.
  if (out.errored) return Promise.reject(out.errored);
  if (out.destroyed) return Promise.reject(new Error("the output was closed before the export finished"));
  return new Promise((resolve, reject) => {
    const done = (error?: unknown): void => {
      out.off("drain", onDrain).off("error", done).off("close", onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(new Error("the output was closed before the export finished"));
    out.on("drain", onDrain).on("error", done).on("close", onClose);
  });
}

/**
 * Whether `out` is done with a chunk when it calls a write back, so the chunk can be filled again: a file or a
 * socket (a pipe or terminal stdout), or stdout redirected to a file (Node's internal `SyncWriteStream`, which writes
 * synchronously). Any other stream (a `PassThrough`, say) may keep the chunk itself.
 */
function copiesBeforeCallback(out: Writable): boolean {
  return out instanceof WriteStream || out instanceof Socket || out.constructor.name === "SyncWriteStream";
}

/**
 * Writes every checkpoint (or those of `options.executionId`) to `out` as JSON Lines and returns the totals.
 * Does not end `out`. Rejects with `ExecutionNotFoundError` for an unknown execution.
 */
export async function exportCheckpoints(
  store: CheckpointStore,
  out: Writable,
  options: ExportOptions = {},
): Promise<ExportProgress> {
  const progress: ExportProgress = { checkpoints: 0, bytes: 0, threads: 1 };
  const recycle = copiesBeforeCallback(out);
  // One chunk of lines to `out`; `written(reusable)` once `out` is done with it (reusable: it copied the chunk out).
  const write = async (chunk: Buffer, checkpoints: number, written: (reusable: boolean) => void): Promise<void> => {
    progress.checkpoints += checkpoints;
    progress.bytes += chunk.length;
    const ok = recycle ? out.write(chunk, (error) => written(error === undefined || error === null)) : out.write(chunk);
    if (!recycle) written(false);
    if (!ok) await drained(out);
    options.onProgress?.(progress);
  };
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const threads = options.threads;
  if (threads !== undefined && threads.jobs >= 2 && options.executionId === undefined && threadsAvailable()) {
    progress.threads = threads.jobs;
    await exportInThreads(store, { storeUrl: threads.storeUrl, jobs: threads.jobs, pageSize, write });
    return progress;
  }
  const chunks = new BackupChunks(EXPORT_CHUNK_BYTES);
  const flush = async (checkpoints: number): Promise<void> => {
    const chunk = chunks.take();
    if (chunk !== undefined) await write(chunk, checkpoints, (reusable) => reusable && chunks.recycle(chunk));
  };
  // Serialized text: a store with listSerialized hands it out without decoding any state, the fastest export there is.
  const pages = walkSerializedPages(store, {
    ...(options.executionId === undefined ? {} : { executionId: options.executionId }),
    pageSize,
  });
  await flush(await fillChunks(pages, chunks, flush));
  return progress;
}
