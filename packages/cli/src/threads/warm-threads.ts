import { Worker } from "node:worker_threads";
import type { StoreKind } from "../store-url.js";
import type { StartMessage, ThreadData } from "./protocol.js";
import { threadsAvailable, WORKER_SCRIPT } from "./worker-script.js";

/**
 * Worker threads started before their work is known: a thread takes 100–200 ms to start and load its modules, which
 * otherwise begins only once the main thread has opened its own store. `export` and `import` warm theirs as soon as
 * the command line is read; a {@link ThreadGroup} then takes them instead of starting new ones, and sends each its
 * work (a `start` message with the `ThreadData` it would have been started with).
 *
 * A waiting thread does not keep the process alive, and those left over are stopped by {@link stopWarmThreads}.
 *
 * @packageDocumentation
 */

/** What a waiting thread is started with: the kind of store whose package it loads while it waits. */
export interface StandbyData {
  standby: StoreKind;
}

interface Waiting {
  worker: Worker;
  /** Set when the thread failed or exited while waiting: it is not handed out. */
  gone: boolean;
  /** The listener that sets `gone`, on `error` and `exit`. */
  onGone: () => void;
}

const waiting: Waiting[] = [];

/** Starts `count` threads that load the package of a `kind` store and wait for their work (none from the sources). */
export function warmThreads(count: number, kind: StoreKind): void {
  if (!threadsAvailable()) return;
  for (let i = 0; i < count; i++) {
    const data: StandbyData = { standby: kind };
    const worker = new Worker(WORKER_SCRIPT, { workerData: data });
    // An error while waiting is not the command's: the thread is not handed out, and a new one starts instead.
    const entry: Waiting = { worker, gone: false, onGone: () => void (entry.gone = true) };
    worker.on("error", entry.onGone).on("exit", entry.onGone);
    worker.unref();
    waiting.push(entry);
  }
}

/** A waiting thread, given its work (`data`) and kept alive from now on; `undefined` when none is waiting. */
export function takeWarmThread(data: ThreadData): Worker | undefined {
  for (let entry = waiting.shift(); entry !== undefined; entry = waiting.shift()) {
    if (entry.gone) continue;
    // The taker attaches its own listeners in the same turn, before any event of the thread can arrive.
    entry.worker.off("error", entry.onGone).off("exit", entry.onGone);
    entry.worker.ref();
    const start: StartMessage = { type: "start", data };
    entry.worker.postMessage(start);
    return entry.worker;
  }
  return undefined;
}

/** Stops the threads still waiting (a command that used fewer than it warmed, or failed before it used them). */
export async function stopWarmThreads(): Promise<void> {
  const left = waiting.splice(0);
  await Promise.all(left.map(({ worker }) => worker.terminate()));
}
