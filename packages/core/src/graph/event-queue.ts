/**
 * A queue that producers push to while a step runs and the run's generator drains, so events raised inside nodes
 * (custom values, task starts and results) reach the stream's consumer at once instead of after the step.
 */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private closed = false;
  private wake: (() => void) | undefined;

  /** Adds an item; ignored once the queue is closed (a node still running after its step was abandoned). */
  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    this.wake?.();
  }

  /** No more items will come: the drain ends once the queue is empty. */
  close(): void {
    this.closed = true;
    this.wake?.();
  }

  /** Yields items as they come, until the queue is closed and empty. */
  async *drain(): AsyncGenerator<T, void> {
    for (;;) {
      while (this.items.length > 0) yield this.items.shift() as T;
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
