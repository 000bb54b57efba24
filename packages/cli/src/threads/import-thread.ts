import type { MessagePort } from "node:worker_threads";
import type { CheckpointStore } from "@lg/core";
import { saveTexts, type BackupEntry } from "../serialized-import.js";
import { AsyncQueue } from "./async-queue.js";
import { ThreadWorkError, type ImportBatchMessage, type SavedMessage, type ToThread } from "./protocol.js";

/**
 * An import thread: saves the batches of checked lines the main thread sends, one after the other, with the store's
 * `saveSerialized` over its own connection. Several threads overlap their reading of the texts with one another's
 * writes (on SQLite, one writes while the others parse).
 *
 * @packageDocumentation
 */

/** The lines of a batch as `saveTexts` takes them: each text decoded from the batch's bytes. */
function entriesOf(batch: ImportBatchMessage): BackupEntry<string>[] {
  const bytes = Buffer.from(batch.bytes);
  const entries: BackupEntry<string>[] = [];
  let start = 0;
  for (let i = 0; i < batch.ends.length; i++) {
    const end = batch.ends[i] as number;
    entries.push({ value: bytes.toString("utf8", start, end), line: batch.lines[i] as number });
    start = end;
  }
  return entries;
}

/** Runs an import thread until the main thread sends `end`; a failure rejects with the batch's `seq`. */
export async function runImportThread(store: CheckpointStore, port: MessagePort): Promise<void> {
  const batches = new AsyncQueue<ImportBatchMessage>();
  port.on("message", (message: ToThread) => {
    if (message.type === "batch") batches.push(message);
    else if (message.type === "end") batches.end();
  });
  for (let batch = await batches.next(); batch !== undefined; batch = await batches.next()) {
    try {
      await saveTexts(store, entriesOf(batch));
    } catch (error) {
      throw Object.assign(new ThreadWorkError(error), { seq: batch.seq });
    }
    const saved: SavedMessage = { type: "saved", seq: batch.seq };
    port.postMessage(saved);
  }
}
