import { lineBytes, readBackup } from "../backup-reader.js";
import type { ImportOptions, ImportProgress } from "../import.js";
import { AsyncQueue } from "./async-queue.js";
import { rebuildError, type FromThread, type ImportBatchMessage } from "./protocol.js";
import { SharedLock } from "./shared-lock.js";
import { ThreadGroup } from "./thread-group.js";

/**
 * `import` over several threads: the main thread reads the backup, checks each line's checksum and gathers batches
 * of checkpoint texts (as bytes, moved to the thread, not copied); each thread saves the batches it is given with the
 * store's `saveSerialized` over its own connection. On SQLite one thread writes while the others parse; on a server
 * the batches are written at once.
 *
 * What is restored when a line fails is what one thread restores (every line before it) and possibly some lines
 * after it that other threads were saving; a second import of the fixed backup completes it, as import is idempotent.
 *
 * @packageDocumentation
 */

/** Batches a thread holds at once: one being saved, one waiting, so that it never waits for the main thread. */
const BATCHES_PER_THREAD = 2;

/** What {@link importInThreads} needs besides the input. */
export interface ThreadedImport {
  /** The store's URL, which each thread opens for writing. */
  storeUrl: string;
  /** Threads saving. */
  jobs: number;
  /** Checkpoints per batch. */
  batchSize: number;
}

/** Bytes a batch's memory starts with: about what 500 lines of 1 kB take, grown by doubling when a batch needs more. */
const BATCH_START_BYTES = 640 * 1024;

/**
 * A batch being gathered: each text's bytes copied once, out of the input (whose memory is read into again) into the
 * batch's own memory, which then moves to the thread.
 */
class BatchBuilder {
  private bytes = new ArrayBuffer(BATCH_START_BYTES);
  private view = Buffer.from(this.bytes);
  private ends: number[] = [];
  private lines: number[] = [];
  private size = 0;

  get count(): number {
    return this.ends.length;
  }

  add(text: Buffer, line: number): void {
    if (this.size + text.length > this.bytes.byteLength) {
      const grown = new ArrayBuffer(Math.max(this.bytes.byteLength * 2, this.size + text.length));
      const view = Buffer.from(grown);
      this.view.copy(view, 0, 0, this.size);
      [this.bytes, this.view] = [grown, view];
    }
    this.size += text.copy(this.view, this.size);
    this.ends.push(this.size);
    this.lines.push(line);
  }

  /** The batch as a message (its memory to be moved), and a new empty batch begun. */
  take(seq: number): ImportBatchMessage {
    const message: ImportBatchMessage = {
      type: "batch",
      seq,
      bytes: this.bytes,
      ends: Uint32Array.from(this.ends),
      lines: Uint32Array.from(this.lines),
    };
    this.bytes = new ArrayBuffer(this.bytes.byteLength);
    this.view = Buffer.from(this.bytes);
    this.ends = [];
    this.lines = [];
    this.size = 0;
    return message;
  }
}

/** Restores the backup of `input` through threads (see the module's description); returns the totals. */
export async function importInThreads(
  input: AsyncIterable<Buffer | string>,
  options: ImportOptions,
  threaded: ThreadedImport,
): Promise<ImportProgress> {
  const progress: ImportProgress = { checkpoints: 0, lines: 0, bytes: 0, threads: threaded.jobs };
  const inFlight: number[] = Array.from({ length: threaded.jobs }, () => 0);
  const freed = new AsyncQueue<true>();
  // The earliest failure in the backup's order: a batch's, or the main thread's own (a corrupt line, after them all).
  let failure: { seq: number; error: unknown } | undefined;
  let crashed = false;
  const fail = (seq: number, error: unknown): void => {
    if (failure === undefined || seq < failure.seq) failure = { seq, error };
    freed.push(true);
  };
  const onMessage = (thread: number, message: FromThread): void => {
    if (message.type === "saved") {
      inFlight[thread] = (inFlight[thread] ?? 1) - 1;
      freed.push(true);
    } else if (message.type === "error") {
      // A thread stops at its first failure: what it still held is not saved, and it takes no more.
      inFlight[thread] = Number.POSITIVE_INFINITY;
      fail(message.seq ?? Number.POSITIVE_INFINITY, rebuildError(message.error));
    }
  };
  const group = new ThreadGroup(
    { role: "import", storeUrl: threaded.storeUrl, pageSize: threaded.batchSize, writeLock: SharedLock.createBuffer() },
    threaded.jobs,
    onMessage,
    (error, thread) => {
      // A thread that died took the batches it held (and perhaps the write lock) with it: nothing after this is
      // waited for, and this failure is what the import reports, before any line's.
      crashed = true;
      inFlight[thread] = Number.POSITIVE_INFINITY;
      fail(Number.NEGATIVE_INFINITY, error);
    },
  );
  let seq = 0;
  const dispatch = async (batch: BatchBuilder): Promise<void> => {
    for (;;) {
      if (failure !== undefined) return;
      const least = Math.min(...inFlight);
      if (least < BATCHES_PER_THREAD) {
        const thread = inFlight.indexOf(least);
        inFlight[thread] = least + 1;
        const message = batch.take(seq++);
        group.post(thread, message, [
          message.bytes,
          message.ends.buffer as ArrayBuffer,
          message.lines.buffer as ArrayBuffer,
        ]);
        return;
      }
      await freed.next();
    }
  };
  const batch = new BatchBuilder();
  try {
    await group.ready();
    for await (const entries of readBackup(input, progress, options, lineBytes)) {
      for (const { value, line } of entries) {
        batch.add(value, line);
        progress.checkpoints++;
        if (batch.count >= threaded.batchSize) await dispatch(batch);
      }
      if (failure !== undefined) break;
    }
    if (batch.count > 0) await dispatch(batch);
  } catch (error) {
    // A corrupt line: the lines read before it are saved before the import reports it.
    if (batch.count > 0) await dispatch(batch).catch(() => undefined);
    fail(Number.MAX_SAFE_INTEGER, error);
  }
  // Every batch handed out is saved, or its thread failed, before anything is reported.
  while (!crashed && inFlight.some((n) => n > 0 && Number.isFinite(n))) await freed.next();
  if (crashed) await group.terminate();
  else await group.close();
  if (failure !== undefined) throw failure.error;
  options.onProgress?.(progress);
  return progress;
}
