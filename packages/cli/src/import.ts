import { messageOf, type CheckpointConflictError, type CheckpointStore, type SerializedCheckpoint } from "@lg/core";
import { serializeCheckpoint } from "@lg/core/store";
import { decodeBackupBytes } from "./backup-format.js";
import { FORMATS, MIDDLE, VERSION_AT } from "./backup-formats.js";
import { readLineRanges } from "./backup-lines.js";
import { BackupLineError, errorCode, RestoreConflictError } from "./errors.js";
import { DEFAULT_BATCH_SIZE, SavePool, type SaveOrigin } from "./save-pool.js";

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

/** One backup line, decoded by the reader's `decode`. */
interface BackupEntry<T> {
  value: T;
  line: number;
}

/** Decodes the backup line held by `bytes[start, end)` (1-based `line`), throwing `BackupLineError` when it is corrupt. */
type LineDecoder<T> = (bytes: Buffer, start: number, end: number, line: number) => T;

/** Checkpoints a `saveSerialized` call takes on import: as many as a `saveMany` batch. */
const SERIALIZED_BATCH = DEFAULT_BATCH_SIZE;

// Failures that belong to one item: a refused batch is saved again item by item to tell which line it was.
const ITEM_ERRORS = new Set([
  "LG_CHECKPOINT_CONFLICT",
  "LG_INVALID_ARGUMENT",
  "LG_SERIALIZATION",
  "LG_CHECKPOINT_CORRUPT",
]);

/** Whether `bytes[start, end)` is a blank line (whitespace only), which a backup may hold and which is skipped. */
function isBlank(bytes: Buffer, start: number, end: number): boolean {
  // A record starts with `{`: only other lines are decoded to be trimmed.
  return bytes[start] !== 0x7b && bytes.toString("utf8", start, end).trim().length === 0;
}

/**
 * Decodes the backup lines of `input` one at a time with `decode`, skipping blank lines and updating `progress`. Each
 * line is decoded from the bytes read (see `backup-lines.ts`); a piece of input's lines are yielded together, in order.
 */
async function* readBackup<T>(
  input: AsyncIterable<Buffer | string>,
  progress: ImportProgress,
  options: ImportOptions,
  decode: LineDecoder<T>,
): AsyncGenerator<BackupEntry<T>[]> {
  const every = options.progressEvery ?? 1000;
  for await (const { bytes, bounds } of readLineRanges(input, (n) => (progress.bytes += n))) {
    const entries: BackupEntry<T>[] = [];
    for (let i = 0; i < bounds.length; i += 2) {
      const start = bounds[i] as number;
      const end = bounds[i + 1] as number;
      const line = ++progress.lines;
      if (line % every === 0) options.onProgress?.(progress);
      if (isBlank(bytes, start, end)) continue;
      let value: T;
      try {
        value = decode(bytes, start, end, line);
      } catch (error) {
        // The lines before a corrupt one are restored: they go out before the error does.
        if (entries.length > 0) yield entries;
        throw error;
      }
      entries.push({ value, line });
    }
    if (entries.length > 0) yield entries;
  }
}

/**
 * The checkpoint's text of a backup line, once its checksum matches: a line in the layout `export` writes is cut
 * without parsing it (the checksum covers exactly those bytes). Any other line is decoded, which throws the
 * `BackupLineError` naming what is wrong with it, or gives a checkpoint whose text is written again.
 */
function lineText(bytes: Buffer, start: number, end: number, line: number): string {
  const format = FORMATS.get((bytes[start + VERSION_AT] ?? 0) - 0x30); // the version digit
  if (format !== undefined && end - start > format.bodyStart + 1 && bytes[end - 1] === 0x7d /* } */) {
    const prefix = bytes.toString("latin1", start, start + format.bodyStart);
    const body = bytes.subarray(start + format.bodyStart, end - 1);
    const hash = prefix.slice(format.head.length, format.bodyStart - MIDDLE.length);
    const canonical = prefix.startsWith(format.head) && prefix.endsWith(MIDDLE);
    if (canonical && format.checksum(body) === hash) return body.toString("utf8");
  }
  return serializeCheckpoint(decodeBackupBytes(bytes, start, end, line));
}

/** Says which line a save failed on: a conflict, or a checkpoint the store refuses as malformed or corrupt. */
function mapSaveError(error: unknown, origin: SaveOrigin): unknown {
  const code = errorCode(error);
  if (code === "LG_CHECKPOINT_CONFLICT")
    return new RestoreConflictError(origin.label, error as CheckpointConflictError);
  if (origin.line !== undefined && code === "LG_CHECKPOINT_CORRUPT") {
    const id = (error as { checkpointId?: unknown }).checkpointId;
    return new BackupLineError(origin.line, messageOf(error), typeof id === "string" ? id : undefined, {
      cause: error,
    });
  }
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
  if (typeof store.saveSerialized === "function") return importSerialized(store, input, options);
  const progress: ImportProgress = { checkpoints: 0, lines: 0, bytes: 0 };
  const pool = new SavePool(store, { concurrency: options.concurrency ?? 16, mapError: mapSaveError });
  try {
    for await (const entries of readBackup(input, progress, options, decodeBackupBytes)) {
      for (const { value: checkpoint, line } of entries) {
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
  const progress: ImportProgress = { checkpoints: 0, lines: 0, bytes: 0 };
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
    // The lines read before a corrupt one are saved before the import reports it.
    await flush().catch(() => undefined);
    throw error;
  }
  await flush();
  options.onProgress?.(progress);
  return progress;
}

/** One `saveSerialized` call; a batch refused because of an item is saved again line by line to name the line. */
async function saveTexts(store: CheckpointStore, entries: readonly BackupEntry<string>[]): Promise<void> {
  const save = (items: readonly BackupEntry<string>[]): Promise<void> =>
    store.saveSerialized?.(items.map(serializedItem)) ?? Promise.resolve();
  try {
    await save(entries);
    return;
  } catch (error) {
    if (!ITEM_ERRORS.has(errorCode(error) ?? "")) throw error;
  }
  for (const entry of entries) {
    try {
      await save([entry]);
    } catch (error) {
      throw mapSaveError(error, { label: `backup line ${entry.line}`, line: entry.line });
    }
  }
}

/** The item `saveSerialized` takes for a line's text; the text is not parsed, so id and version are not known. */
function serializedItem(entry: BackupEntry<string>): SerializedCheckpoint {
  return { id: "", version: 0, text: entry.value };
}

/** Reads a whole backup and checks every line (JSON, checksum, checkpoint) without writing anything. */
export async function checkBackup(
  input: AsyncIterable<Buffer | string>,
  options: ImportOptions = {},
): Promise<ImportProgress> {
  const progress: ImportProgress = { checkpoints: 0, lines: 0, bytes: 0 };
  for await (const entries of readBackup(input, progress, options, decodeBackupBytes)) {
    progress.checkpoints += entries.length;
  }
  options.onProgress?.(progress);
  return progress;
}
