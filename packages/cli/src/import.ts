import { messageOf, type CheckpointConflictError, type Checkpoint, type CheckpointStore } from "@lg/core";
import { decodeBackupBytes } from "./backup-format.js";
import { readLineRanges } from "./backup-lines.js";
import { BackupLineError, errorCode, RestoreConflictError } from "./errors.js";
import { SavePool, type SaveOrigin } from "./save-pool.js";

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
}

/** Options of {@link importCheckpoints} and {@link checkBackup}. */
export interface ImportOptions {
  /** Saves in flight at once (default 16) on a store without `saveMany`: lets a server store pipeline them. */
  concurrency?: number;
  /** Called every `progressEvery` lines and at the end, with the running totals. */
  onProgress?: (progress: ImportProgress) => void;
  /** Lines between two `onProgress` calls (default 1000). */
  progressEvery?: number;
}

/** One decoded backup line. */
interface BackupEntry {
  checkpoint: Checkpoint;
  line: number;
}

/** Whether `bytes[start, end)` is a blank line (whitespace only), which a backup may hold and which is skipped. */
function isBlank(bytes: Buffer, start: number, end: number): boolean {
  // A record starts with `{`: only other lines are decoded to be trimmed.
  return bytes[start] !== 0x7b && bytes.toString("utf8", start, end).trim().length === 0;
}

/**
 * Decodes the backup lines of `input` one at a time, skipping blank lines and updating `progress`. Each line is
 * decoded from the bytes read (see `backup-lines.ts`); a piece of input's lines are yielded together, in order.
 */
async function* readBackup(
  input: AsyncIterable<Buffer | string>,
  progress: ImportProgress,
  options: ImportOptions,
): AsyncGenerator<BackupEntry[]> {
  const every = options.progressEvery ?? 1000;
  for await (const { bytes, bounds } of readLineRanges(input, (n) => (progress.bytes += n))) {
    const entries: BackupEntry[] = [];
    for (let i = 0; i < bounds.length; i += 2) {
      const start = bounds[i] as number;
      const end = bounds[i + 1] as number;
      const line = ++progress.lines;
      if (line % every === 0) options.onProgress?.(progress);
      if (isBlank(bytes, start, end)) continue;
      let checkpoint: Checkpoint;
      try {
        checkpoint = decodeBackupBytes(bytes, start, end, line);
      } catch (error) {
        // The lines before a corrupt one are restored: they go out before the error does.
        if (entries.length > 0) yield entries;
        throw error;
      }
      entries.push({ checkpoint, line });
    }
    if (entries.length > 0) yield entries;
  }
}

/** Says which line a save failed on: a conflict, or a checkpoint the store refuses as malformed. */
function mapSaveError(error: unknown, origin: SaveOrigin): unknown {
  const code = errorCode(error);
  if (code === "LG_CHECKPOINT_CONFLICT")
    return new RestoreConflictError(origin.label, error as CheckpointConflictError);
  if (origin.line !== undefined && (code === "LG_INVALID_ARGUMENT" || code === "LG_SERIALIZATION")) {
    return new BackupLineError(origin.line, messageOf(error), undefined, { cause: error });
  }
  return error;
}

/**
 * Restores the backup read from `input` (a stream such as stdin or a file's, or any async iterable of chunks) into
 * `store` and returns the totals. Re-importing the same backup is a
 * no-op. Rejects with `BackupLineError` naming the first corrupt line (the lines before it are restored; fix the
 * line and import again) and with `RestoreConflictError` when the store holds another checkpoint at a line's
 * execution and version.
 */
export async function importCheckpoints(
  store: CheckpointStore,
  input: AsyncIterable<Buffer | string>,
  options: ImportOptions = {},
): Promise<ImportProgress> {
  const progress: ImportProgress = { checkpoints: 0, lines: 0, bytes: 0 };
  const pool = new SavePool(store, { concurrency: options.concurrency ?? 16, mapError: mapSaveError });
  try {
    for await (const entries of readBackup(input, progress, options)) {
      for (const { checkpoint, line } of entries) {
        await pool.add(checkpoint, { label: `backup line ${line}`, line });
        progress.checkpoints++;
      }
    }
  } finally {
    // Saves already started finish (or fail) before the import reports anything.
    await pool.drain().catch(() => undefined);
  }
  await pool.drain();
  options.onProgress?.(progress);
  return progress;
}

/** Reads a whole backup and checks every line (JSON, checksum, checkpoint) without writing anything. */
export async function checkBackup(
  input: AsyncIterable<Buffer | string>,
  options: ImportOptions = {},
): Promise<ImportProgress> {
  const progress: ImportProgress = { checkpoints: 0, lines: 0, bytes: 0 };
  for await (const entries of readBackup(input, progress, options)) progress.checkpoints += entries.length;
  options.onProgress?.(progress);
  return progress;
}
