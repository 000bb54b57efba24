import type { Writable } from "node:stream";
import type { CheckpointStore } from "@lg/core";
import { backupLineOf } from "./backup-format.js";
import { walkSerializedCheckpoints, DEFAULT_PAGE_SIZE } from "./walk.js";

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
 * Writes every checkpoint (or those of `options.executionId`) to `out` as JSON Lines and returns the totals.
 * Does not end `out`. Rejects with `ExecutionNotFoundError` for an unknown execution.
 */
export async function exportCheckpoints(
  store: CheckpointStore,
  out: Writable,
  options: ExportOptions = {},
): Promise<ExportProgress> {
  const progress: ExportProgress = { checkpoints: 0, bytes: 0 };
  let chunk = "";
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const text = chunk;
    chunk = "";
    progress.bytes += Buffer.byteLength(text);
    if (!out.write(text)) await drained(out);
    options.onProgress?.(progress);
  };
  // Serialized text: a store with listSerialized hands it out without decoding any state, the fastest export there is.
  const walk = walkSerializedCheckpoints(store, {
    ...(options.executionId === undefined ? {} : { executionId: options.executionId }),
    pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
  });
  for await (const { text } of walk) {
    chunk += `${backupLineOf(text)}\n`;
    progress.checkpoints++;
    if (chunk.length >= CHUNK_BYTES) await flush();
  }
  await flush();
  return progress;
}
