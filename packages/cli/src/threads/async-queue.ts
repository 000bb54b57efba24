/**
 * A queue that a consumer awaits: what crosses between the CLI's threads arrives by events, and the code that uses
 * it reads best as a loop.
 *
 * @packageDocumentation
 */

/** Items pushed by one side, awaited by the other; `fail` rejects every wait, present and future. */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private readonly waiting: { resolve: (item: T | undefined) => void; reject: (error: unknown) => void }[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;

  /** Adds an item (ignored once the queue has ended or failed). */
  push(item: T): void {
    if (this.ended || this.failure !== undefined) return;
    const waiter = this.waiting.shift();
    if (waiter === undefined) this.items.push(item);
    else waiter.resolve(item);
  }

  /** No more items: once the queued ones are taken, `next` resolves `undefined`. */
  end(): void {
    this.ended = true;
    if (this.items.length === 0) for (const waiter of this.waiting.splice(0)) waiter.resolve(undefined);
  }

  /**
   * Rejects every pending and later `next` with `error`. Queued items are dropped, or, with `afterQueued`, still
   * handed out first (what a failed producer sent before it failed).
   */
  fail(error: unknown, afterQueued = false): void {
    if (this.failure !== undefined) return;
    this.failure = { error };
    if (!afterQueued) this.items.length = 0;
    if (this.items.length === 0) for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }

  /** The next item, `undefined` once the queue has ended and is empty. */
  next(): Promise<T | undefined> {
    if (this.failure !== undefined && this.items.length === 0) return Promise.reject(this.failure.error);
    if (this.items.length > 0) {
      const item = this.items.shift() as T;
      if (this.ended && this.items.length === 0) for (const waiter of this.waiting.splice(0)) waiter.resolve(undefined);
      return Promise.resolve(item);
    }
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
}
