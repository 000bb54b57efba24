/**
 * A lock shared by threads through a `SharedArrayBuffer`: a thread that finds it taken sleeps in `Atomics.wait` and
 * is woken by the release, instead of polling. The import's threads take it around their SQLite writes.
 *
 * @packageDocumentation
 */

const FREE = 0;
const HELD = 1;

/** How long one wait lasts before the lock is tried again (a missed wake-up costs at most this). */
const WAIT_SLICE_MS = 50;

/** A mutual-exclusion lock over one `Int32` of shared memory; every thread builds one over the same buffer. */
export class SharedLock {
  private readonly cell: Int32Array;

  /** `buffer`: from {@link SharedLock.createBuffer}, handed to every thread (e.g. in `workerData`). */
  constructor(buffer: SharedArrayBuffer) {
    this.cell = new Int32Array(buffer, 0, 1);
  }

  /** The shared memory of a new, free lock. */
  static createBuffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  }

  /** Blocks until this thread holds the lock. */
  acquire(): void {
    while (Atomics.compareExchange(this.cell, 0, FREE, HELD) !== FREE) {
      Atomics.wait(this.cell, 0, HELD, WAIT_SLICE_MS);
    }
  }

  /** Releases the lock and wakes one waiting thread. */
  release(): void {
    Atomics.store(this.cell, 0, FREE);
    Atomics.notify(this.cell, 0, 1);
  }
}
