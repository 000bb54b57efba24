import type { SqliteWriteLock } from "./options.js";

/**
 * Batch writes under `SqliteOptions.writeLock`, the lock several stores of one process share so that they hand the
 * file's write lock to each other at once.
 *
 * @packageDocumentation
 */

/** Runs `write` (a whole transaction, synchronous) holding `lock`, when there is one; releases it however it ends. */
export function underWriteLock<T>(lock: SqliteWriteLock | undefined, write: () => T): T {
  if (lock === undefined) return write();
  lock.acquire();
  try {
    return write();
  } finally {
    lock.release();
  }
}
