import { Worker } from "node:worker_threads";
import { rebuildError, type FromThread, type ThreadData, type ToThread } from "./protocol.js";
import { takeWarmThread } from "./warm-threads.js";
import { WORKER_SCRIPT } from "./worker-script.js";

/**
 * The main thread's side of the CLI's worker threads: starts them (each opens the store from the URL), routes their
 * messages, and ends them. A thread that dies without saying why (an uncaught error, an exit) is reported as an
 * error like any other.
 *
 * @packageDocumentation
 */

/** How long an ended thread has to close its store and exit before it is terminated. */
const CLOSE_WAIT_MS = 10_000;

/** Receives every message of every thread (`index`: which thread), except `ready` and `closed`. */
export type ThreadListener = (index: number, message: FromThread) => void;

/** A set of worker threads doing one role over one store. */
export class ThreadGroup {
  private readonly workers: Worker[];
  private readonly readyCount: Promise<void>;
  private readonly exited: Promise<void>[];
  /** Set once the threads are being ended: an exit then is expected. */
  private ending = false;

  /**
   * Starts `jobs` threads for `data`; `listener` gets their messages, `onFailure` a thread (`index`) that failed outside
   * its work: its store would not open, it threw, or it exited.
   */
  constructor(
    data: ThreadData,
    jobs: number,
    private readonly listener: ThreadListener,
    private readonly onFailure: (error: Error, index: number) => void,
  ) {
    this.workers = [];
    const ready: Promise<void>[] = [];
    this.exited = [];
    try {
      for (let index = 0; index < jobs; index++) {
        const worker = takeWarmThread(data) ?? new Worker(WORKER_SCRIPT, { workerData: data });
        this.workers.push(worker);
        const { opened, exited } = this.watch(worker, index);
        ready.push(opened);
        this.exited.push(exited);
      }
    } catch (error) {
      // Threads already started would keep the process alive: they go with the failure.
      this.ending = true;
      for (const worker of this.workers) void worker.terminate();
      throw error;
    }
    this.readyCount = Promise.all(ready).then(() => undefined);
    // A thread that failed before ready rejects `ready()`; nobody may be waiting on it yet.
    this.readyCount.catch(() => undefined);
  }

  /**
   * Routes `worker`'s messages; `opened` settles when its store is open or it failed first (an error, or an exit
   * without one), `exited` when it has exited.
   */
  private watch(worker: Worker, index: number): { opened: Promise<void>; exited: Promise<void> } {
    let closed = false;
    let refuse: (error: Error) => void = () => undefined;
    const opened = new Promise<void>((resolve, reject) => {
      refuse = reject;
      worker.on("message", (message: FromThread) => {
        if (message.type === "ready") resolve();
        else if (message.type === "closed") closed = true;
        else if (message.type === "error" && message.seq === undefined) {
          const error = rebuildError(message.error);
          reject(error);
          this.onFailure(error, index);
        } else this.listener(index, message);
      });
      worker.on("error", (error: Error) => {
        reject(error);
        this.onFailure(error, index);
      });
    });
    const exited = new Promise<void>((resolve) =>
      worker.once("exit", (code) => {
        if (!closed && !this.ending) {
          const error = new Error(`a worker thread stopped (exit code ${code}) before it finished its work`);
          refuse(error); // no effect once the store was open
          this.onFailure(error, index);
        }
        resolve();
      }),
    );
    return { opened, exited };
  }

  /** How many threads there are. */
  get size(): number {
    return this.workers.length;
  }

  /** Resolves once every thread has its store open; rejects with the first one's failure to open it. */
  ready(): Promise<void> {
    return this.readyCount;
  }

  /** Sends a message to thread `index`, moving the buffers in `transfer`. */
  post(index: number, message: ToThread, transfer: ArrayBuffer[] = []): void {
    this.workers[index]?.postMessage(message, transfer);
  }

  /** Tells every thread to finish its work, close its store and exit; terminates one that takes too long. */
  async close(): Promise<void> {
    for (let i = 0; i < this.workers.length; i++) this.post(i, { type: "end" });
    await this.settle(CLOSE_WAIT_MS);
  }

  /** Stops every thread now (their stores' connections close with them). */
  async terminate(): Promise<void> {
    await this.settle(0);
  }

  private async settle(waitMs: number): Promise<void> {
    this.ending = true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([Promise.all(this.exited), late]);
    clearTimeout(timer);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
