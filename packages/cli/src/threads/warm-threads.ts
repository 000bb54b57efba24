import { AsyncLocalStorage } from "node:async_hooks";
import { Worker } from "node:worker_threads";
import type { StoreKind } from "../store-url.js";
import type { StartMessage, ThreadData } from "./protocol.js";
import { threadsAvailable, WORKER_SCRIPT } from "./worker-script.js";

/**
 * Worker threads started before their work is known: a thread takes 100–200 ms to start and load its modules, which
 * otherwise begins only once the main thread has opened its own store. `export` and `import` warm theirs as soon as
 * the command line is read; a `ThreadGroup` then takes them instead of starting new ones, and sends each its
 * work (a `start` message with the `ThreadData` it would have been started with).
 *
 * A waiting thread does not keep the process alive, and those left over are stopped when the command ends.
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

/** The threads each running command warmed, found by its `ThreadGroup` through the command's asynchronous context. */
const pools = new AsyncLocalStorage<Waiting[]>();

/**
 * Runs `action` (a command) with `count` threads started for a `kind` store: a `ThreadGroup` created within it takes
 * them, and those it does not take are stopped once `action` settles. Commands running at once in one process (through
 * `runCli`) each have their own.
 */
export async function withWarmThreads<T>(count: number, kind: StoreKind, action: () => Promise<T>): Promise<T> {
  const pool = warm(count, kind);
  try {
    return await pools.run(pool, action);
  } finally {
    await Promise.all(pool.splice(0).map(({ worker }) => worker.terminate()));
  }
}

/** Starts `count` threads that load the package of a `kind` store and wait for their work (none from the sources). */
function warm(count: number, kind: StoreKind): Waiting[] {
  const pool: Waiting[] = [];
  if (!threadsAvailable()) return pool;
  try {
    for (let i = 0; i < count; i++) {
      const data: StandbyData = { standby: kind };
      const worker = new Worker(WORKER_SCRIPT, { workerData: data });
      // An error while waiting is not the command's: the thread is not handed out, and a new one starts instead.
      const entry: Waiting = { worker, gone: false, onGone: () => void (entry.gone = true) };
      worker.on("error", entry.onGone).on("exit", entry.onGone);
      worker.unref();
      pool.push(entry);
    }
  } catch {
    // Threads that cannot start now are started, or their failure reported, by the ThreadGroup as without warming.
    for (const { worker } of pool.splice(0)) void worker.terminate();
  }
  return pool;
}

/**
 * A thread the running command warmed, given its work (`data`) and kept alive from now on; `undefined` when none is
 * waiting.
 */
export function takeWarmThread(data: ThreadData): Worker | undefined {
  const waiting = pools.getStore() ?? [];
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
