import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import type { CheckpointStore } from "@lg/core";
import { openStore } from "../open-store.js";
import { runExportThread } from "./export-thread.js";
import { runImportThread } from "./import-thread.js";
import { SharedLock } from "./shared-lock.js";
import { importStorePackage } from "../store-packages.js";
import { ThreadWorkError, toThreadError, type StartMessage, type StatusMessage, type ThreadData } from "./protocol.js";
import type { StandbyData } from "./warm-threads.js";

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

/** Starts the thread's work: at once, or once a warmed thread (warm-threads.ts) is given it. */
function boot(port: MessagePort, data: ThreadData | StandbyData): void {
  if (!("standby" in data)) {
    void main(port, data);
    return;
  }
  // Loaded while the main thread opens its own store; a failure is the store's to report once it is opened.
  importStorePackage(data.standby).catch(() => undefined);
  port.once("message", (message: StartMessage) => void main(port, message.data));
}

if (parentPort !== null) boot(parentPort, workerData as ThreadData | StandbyData);
