import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import type { CheckpointStore } from "@lg/core";
import { openStore } from "../open-store.js";
import { runExportThread } from "./export-thread.js";
import { runImportThread } from "./import-thread.js";
import { SharedLock } from "./shared-lock.js";
import { ThreadWorkError, toThreadError, type StatusMessage, type ThreadData } from "./protocol.js";

/**
 * The entry point of the CLI's worker threads (built as `dist/worker.js`): opens the store from the URL it is given,
 * says `ready`, does its role's work until told `end`, closes the store and says `closed`. A failure is sent as an
 * `error` message; the main thread decides what to do.
 *
 * @packageDocumentation
 */

async function main(port: MessagePort, data: ThreadData): Promise<void> {
  const status = (message: StatusMessage): void => port.postMessage(message);
  let store: CheckpointStore;
  try {
    const lock = data.writeLock === undefined ? undefined : new SharedLock(data.writeLock);
    ({ store } = await openStore(data.storeUrl, {
      write: data.role === "import",
      ...(lock === undefined ? {} : { sqliteWriteLock: lock }),
    }));
  } catch (error) {
    status({ type: "error", seq: undefined, error: toThreadError(error) });
    return;
  }
  status({ type: "ready" });
  try {
    if (data.role === "export") await runExportThread(store, port, data);
    else await runImportThread(store, port);
  } catch (error) {
    const work = error instanceof ThreadWorkError ? error : undefined;
    status({ type: "error", seq: work?.seq, error: toThreadError(work === undefined ? error : work.original) });
  } finally {
    await store.close().catch(() => undefined);
    status({ type: "closed" });
    port.close();
  }
}

if (parentPort !== null) void main(parentPort, workerData as ThreadData);
