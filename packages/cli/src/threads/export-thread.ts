import type { MessagePort } from "node:worker_threads";
import type { CheckpointStore } from "@lg/core";
import { BackupChunks, EXPORT_CHUNK_BYTES, fillChunks } from "../backup-chunks.js";
import { serializedPages } from "../walk.js";
import { AsyncQueue } from "./async-queue.js";
import {
  ThreadWorkError,
  type ChunkMessage,
  type ExportExecutionMessage,
  type ThreadData,
  type ToThread,
} from "./protocol.js";

/**
 * An export thread: reads the executions the main thread hands it, each through the store's `listSerialized`, and
 * sends their backup lines back in chunks (built and checksummed here, so the main thread only writes them). A thread
 * has at most {@link CHUNKS_IN_FLIGHT} chunks the main thread has not written yet: a fast reader waits, memory stays
 * bounded.
 *
 * @packageDocumentation
 */

/** Chunks sent and not yet written by the main thread, per thread. */
export const CHUNKS_IN_FLIGHT = 16;

/**
 * Sends chunks once the main thread has room for them: a chunk's memory moves to the main thread, which hands it
 * back (with the credit for one more chunk) once it is written, to be filled again.
 */
class ChunkSender {
  private credits = CHUNKS_IN_FLIGHT;
  private waiting: (() => void) | undefined;

  constructor(
    private readonly port: MessagePort,
    private readonly chunks: BackupChunks,
  ) {}

  /** The main thread wrote a chunk: one more may be sent, and `bytes`, when given, may be filled again. */
  credit(bytes: ArrayBuffer | undefined): void {
    if (bytes !== undefined) this.chunks.recycle(Buffer.from(bytes));
    this.credits++;
    const resume = this.waiting;
    this.waiting = undefined;
    resume?.();
  }

  /** Sends what the chunks hold (possibly nothing, on an execution's last message) as part of execution `seq`. */
  async send(seq: number, checkpoints: number, last: boolean): Promise<void> {
    while (this.credits === 0) await new Promise<void>((resolve) => (this.waiting = resolve));
    this.credits--;
    const chunk = this.chunks.take();
    // A chunk is a buffer of its own (BackupChunks never takes one from the shared pool): moved, not copied.
    const bytes = chunk === undefined ? new ArrayBuffer(0) : (chunk.buffer as ArrayBuffer);
    const message: ChunkMessage = { type: "chunk", seq, bytes, length: chunk?.length ?? 0, checkpoints, last };
    this.port.postMessage(message, [bytes]);
  }
}

/** Writes the backup lines of one execution, oldest version first, as chunks tagged `seq`. */
async function exportExecution(
  store: CheckpointStore,
  chunks: BackupChunks,
  sender: ChunkSender,
  work: ExportExecutionMessage,
  pageSize: number,
): Promise<void> {
  const pages = serializedPages(store, work.executionId, pageSize);
  const rest = await fillChunks(pages, chunks, (checkpoints) => sender.send(work.seq, checkpoints, false));
  await sender.send(work.seq, rest, true);
}

/** Runs an export thread until the main thread sends `end`; a failure rejects with the `seq` it was on. */
export async function runExportThread(store: CheckpointStore, port: MessagePort, data: ThreadData): Promise<void> {
  const chunks = new BackupChunks(EXPORT_CHUNK_BYTES);
  const sender = new ChunkSender(port, chunks);
  const work = new AsyncQueue<ExportExecutionMessage>();
  port.on("message", (message: ToThread) => {
    if (message.type === "credit") sender.credit(message.bytes);
    else if (message.type === "execution") work.push(message);
    else if (message.type === "end") work.end();
  });
  for (let next = await work.next(); next !== undefined; next = await work.next()) {
    try {
      await exportExecution(store, chunks, sender, next, data.pageSize);
    } catch (error) {
      throw Object.assign(new ThreadWorkError(error), { seq: next.seq });
    }
  }
}
