import type { CheckpointStore } from "@lg/core";
import { decodeBackupBytes } from "./backup-format.js";
import { lineText, readBackup } from "./backup-reader.js";
import { DEFAULT_BATCH_SIZE, SavePool } from "./save-pool.js";
import { mapSaveError, saveTexts, type BackupEntry } from "./serialized-import.js";
import { importInThreads } from "./threads/import-threads.js";
import { threadsAvailable } from "./threads/worker-script.js";

/**
 * `import`: restores backup lines into a store, streaming (one line decoded at a time, a bounded number of saves
 * in flight) and idempotent (a checkpoint already stored with the same content is a no-op on every store).
 *
 * @packageDocumentation
 */

/** Running totals of an import (or of a check). */
export interface ImportProgress {
  /** Checkpoints decoded (and, unless checking only, saved). */
  checkpoints: number;
  /** Lines read, blank ones included. */
  lines: number;
  /** Bytes read (UTF-8, newlines included). */
  bytes: number;
  /** Threads saving: 1, or the `jobs` of `ImportOptions.threads` when they were used. */
  threads: number;
}

/** Options of {@link importCheckpoints} and {@link checkBackup}. */
export interface ImportOptions {
  /** Saves in flight at once (default 16) on a store without `saveMany`: lets a server store pipeline them. */
  concurrency?: number;
  /** Called every `progressEvery` lines and at the end, with the running totals. */
  onProgress?: (progress: ImportProgress) => void;
  /** Lines between two `onProgress` calls (default 1000). */
  progressEvery?: number;
  /**
   * Save with this many worker threads, each with its own connection to the store opened from `storeUrl` (which must
   * name the store `store` is): the main thread reads and checks the lines, the threads save batches at once. Only
   * into a store with `saveSerialized`, from the built package, with `jobs` of 2 or more; otherwise one thread.
   */
  threads?: ImportThreads;
}

/** The worker threads of an import: see {@link ImportOptions.threads}. */
export interface ImportThreads {
  /** The URL of the store being restored into, opened again by every thread. */
  storeUrl: string;
  /** Threads saving at once. */
  jobs: number;
}

/** Checkpoints a `saveSerialized` call takes on import: as many as a `saveMany` batch. */
const SERIALIZED_BATCH = DEFAULT_BATCH_SIZE;

/**
 * Restores the backup read from `input` (a stream such as stdin or a file's, or any async iterable of chunks) into
 * `store` and returns the totals. Re-importing the same backup is a
 * no-op. Rejects with `BackupLineError` naming the first corrupt line (the lines before it are restored; fix the
 * line and import again) and with `RestoreConflictError` when the store holds another checkpoint at a line's
 * execution and version. With `threads`, lines after a failed one may be restored too (see `ImportOptions.threads`).
 */
export async function importCheckpoints(
  store: CheckpointStore,
  input: AsyncIterable<Buffer | string>,
  options: ImportOptions = {},
): Promise<ImportProgress> {
  // Only a store with saveSerialized is written by threads (the CLI starts them early for a SQLite URL alone, the one
  // store that has it: see `runImport`).
  if (typeof store.saveSerialized === "function") {
    const threads = options.threads;
    if (threads !== undefined && threads.jobs >= 2 && threadsAvailable()) {
      return importInThreads(input, options, { ...threads, batchSize: SERIALIZED_BATCH });
    }
    return importSerialized(store, input, options);
  }
  const progress: ImportProgress = { checkpoints: 0, lines: 0, bytes: 0, threads: 1 };
  const pool = new SavePool(store, { concurrency: options.concurrency ?? 16, mapError: mapSaveError });
  try {
    for await (const entries of readBackup(input, progress, options, decodeBackupBytes)) {
      for (const { value: checkpoint, line } of entries) {
        await pool.add(checkpoint, { label: `backup line ${line}`, line });
        progress.checkpoints++;
      }
    }
  } catch (error) {
    // Saves already started finish before the import reports anything; one of them failing is reported instead, as
    // it failed on an earlier line.
    await pool.drain();
    throw error;
  }
  await pool.drain();
  options.onProgress?.(progress);
  return progress;
}

/**
 * `importCheckpoints` into a store with `saveSerialized`: each line's checkpoint text goes to the store as it is
 * (after its checksum), in batches written one after the other, so nothing is decoded and encoded again here. A batch
 * the store refuses because of an item is saved again one line at a time: the lines before the culprit are restored
 * and the error names its line.
 */
async function importSerialized(
  store: CheckpointStore,
  input: AsyncIterable<Buffer | string>,
  options: ImportOptions,
): Promise<ImportProgress> {
  const progress: ImportProgress = { checkpoints: 0, lines: 0, bytes: 0, threads: 1 };
  let batch: BackupEntry<string>[] = [];
  const flush = async (): Promise<void> => {
    const items = batch;
    batch = [];
    if (items.length > 0) await saveTexts(store, items);
  };
  try {
    for await (const entries of readBackup(input, progress, options, lineText)) {
      for (const entry of entries) {
        batch.push(entry);
        progress.checkpoints++;
        if (batch.length >= SERIALIZED_BATCH) await flush();
      }
    }
  } catch (error) {
    // The lines read before a corrupt one are saved before the import reports it; their own failure, on an earlier
    // line, is reported instead (as with threads).
    await flush();
    throw error;
  }
  await flush();
  options.onProgress?.(progress);
  return progress;
}

/** Reads a whole backup and checks every line (JSON, checksum, checkpoint) without writing anything. */
export async function checkBackup(
  input: AsyncIterable<Buffer | string>,
  options: ImportOptions = {},
): Promise<ImportProgress> {
  const progress: ImportProgress = { checkpoints: 0, lines: 0, bytes: 0, threads: 1 };
  for await (const entries of readBackup(input, progress, options, decodeBackupBytes)) {
    progress.checkpoints += entries.length;
  }
  options.onProgress?.(progress);
  return progress;
}
