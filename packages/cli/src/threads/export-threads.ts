import type { CheckpointStore } from "@lg/core";
import { walkExecutions } from "../walk.js";
import { AsyncQueue } from "./async-queue.js";
import { rebuildError, type ChunkMessage, type FromThread } from "./protocol.js";
import { ThreadGroup } from "./thread-group.js";

/**
 * `export` over several threads: the main thread lists the executions and hands them out one at a time to the thread
 * that is free; each thread reads its execution through its own connection and sends back finished backup lines; the
 * main thread writes them in the order the executions were listed, so the backup is the same as one thread writes.
 *
 * @packageDocumentation
 */

/** What {@link exportInThreads} needs besides the store. */
export interface ThreadedExport {
  /** The store's URL, which each thread opens. */
  storeUrl: string;
  /** Threads reading. */
  jobs: number;
  /** Checkpoints (and executions) per page. */
  pageSize: number;
  /**
   * Writes one chunk of lines holding `checkpoints` checkpoints; resolves when more may be written. Calls `written`
   * once the destination is done with the chunk: `reusable` when its memory may be filled again (the destination
   * copied it out), else it may still hold it.
   */
  write: (chunk: Buffer, checkpoints: number, written: (reusable: boolean) => void) => Promise<void>;
}

/** Writes every execution of `store` through threads (see the module's description). */
export async function exportInThreads(store: CheckpointStore, options: ThreadedExport): Promise<void> {
  const order = new AsyncQueue<number>();
  const streams = new Map<number, AsyncQueue<ChunkMessage>>();
  const owners = new Map<number, number>();
  // A thread's failure outside any execution (it died, its store would not open) stops everything at once.
  const fail = (error: unknown): void => {
    order.fail(error);
    for (const stream of streams.values()) stream.fail(error);
  };
  const executions = walkExecutions(store, options.pageSize);
  let nextSeq = 0;
  let assigning = Promise.resolve();
  // One execution at a time per thread, handed out in listing order.
  const assign = (thread: number): void => {
    assigning = assigning
      .then(async () => {
        const listed = await executions.next();
        if (listed.done === true) {
          order.end();
          return;
        }
        const seq = nextSeq++;
        streams.set(seq, new AsyncQueue<ChunkMessage>());
        owners.set(seq, thread);
        order.push(seq);
        group.post(thread, { type: "execution", seq, executionId: listed.value.executionId });
      })
      .catch(fail);
  };
  const onMessage = (thread: number, message: FromThread): void => {
    if (message.type === "chunk") {
      streams.get(message.seq)?.push(message);
      if (message.last) assign(thread);
    } else if (message.type === "error") {
      // A failure reading one execution ends that execution's stream: the executions before it are written out first,
      // and the export then reports the failure, as one thread would.
      const stream = message.seq === undefined ? undefined : streams.get(message.seq);
      if (stream === undefined) fail(rebuildError(message.error));
      else stream.fail(rebuildError(message.error), true);
    }
  };
  const group = new ThreadGroup(
    { role: "export", storeUrl: options.storeUrl, pageSize: options.pageSize },
    options.jobs,
    onMessage,
    fail,
  );
  try {
    await group.ready();
    for (let thread = 0; thread < group.size; thread++) assign(thread);
    for (let seq = await order.next(); seq !== undefined; seq = await order.next()) {
      const stream = streams.get(seq) as AsyncQueue<ChunkMessage>;
      for (;;) {
        const chunk = await stream.next();
        if (chunk === undefined) break;
        const owner = owners.get(seq) as number;
        const credit = (reusable: boolean): void =>
          reusable
            ? group.post(owner, { type: "credit", bytes: chunk.bytes }, [chunk.bytes])
            : group.post(owner, { type: "credit" });
        if (chunk.length > 0) {
          await options.write(Buffer.from(chunk.bytes, 0, chunk.length), chunk.checkpoints, credit);
        } else credit(false);
        if (chunk.last) break;
      }
      streams.delete(seq);
      owners.delete(seq);
    }
  } catch (error) {
    await group.terminate();
    throw error;
  } finally {
    await executions.return(undefined);
  }
  await group.close();
}
