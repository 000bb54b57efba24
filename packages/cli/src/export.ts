import { WriteStream } from "node:fs";
import { Socket } from "node:net";
import type { Writable } from "node:stream";
import type { CheckpointStore } from "@lg/core";
import { BackupChunks } from "./backup-chunks.js";
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
}

/** Running totals of an export. */
export interface ExportProgress {
  /** Checkpoints written. */
  checkpoints: number;
  /** Bytes written (UTF-8). */
  bytes: number;
}

/** Lines are joined into chunks of about this size before a write: one write per line costs more than encoding. */
const CHUNK_BYTES = 256 * 1024;

/** Resolves when `out` can take more data (its buffer drained), or rejects if it fails or closes first. */
function drained(out: Writable): Promise<void> {
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
  const progress: ExportProgress = { checkpoints: 0, bytes: 0 };
  const chunks = new BackupChunks(CHUNK_BYTES);
  const recycle = copiesBeforeCallback(out);
  const flush = async (): Promise<void> => {
    const chunk = chunks.take();
    if (chunk === undefined) return;
    progress.bytes += chunk.length;
    const written = recycle
      ? out.write(chunk, (error) => (error === undefined || error === null ? chunks.recycle(chunk) : undefined))
      : out.write(chunk);
    if (!written) await drained(out);
    options.onProgress?.(progress);
  };
  // Serialized text: a store with listSerialized hands it out without decoding any state, the fastest export there is.
  const pages = walkSerializedPages(store, {
    ...(options.executionId === undefined ? {} : { executionId: options.executionId }),
    pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
  });
  for await (const page of pages) {
    for (const { text } of page) {
      if (chunks.needsRoom(text)) await flush();
      chunks.append(text);
      progress.checkpoints++;
      if (chunks.full) await flush();
    }
  }
  await flush();
  return progress;
}
