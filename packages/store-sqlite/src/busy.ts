import { setTimeout as delay } from "node:timers/promises";
import { isBusy } from "./sqlite-errors.js";

/**
 * The connection's own `busy_timeout`, in milliseconds. SQLite's busy handler sleeps the calling thread, and
 * better-sqlite3 runs on the event loop's thread, so this is the longest a single attempt may freeze the process
 * while another connection holds the lock. The store waits out the rest of `busyTimeoutMs` between attempts.
 */
export const LOCK_WAIT_SLICE_MS = 5;

// Pauses between attempts double from 1 ms up to this, so a lock held for a second costs ~40 attempts, not 1,000.
const MAX_PAUSE_MS = 25;

/**
 * Runs a synchronous driver call, repeating it after an asynchronous pause while it fails with `SQLITE_BUSY`, until
 * `totalMs` have passed; then the last busy error is thrown. Repeating is safe because a statement that fails with
 * `SQLITE_BUSY` outside an explicit transaction changed nothing (and `db.transaction()` rolls its body back).
 */
export async function retryWhileBusy<T>(call: () => T, totalMs: number): Promise<T> {
  const deadline = Date.now() + totalMs;
  for (let pause = 1; ; pause = Math.min(pause * 2, MAX_PAUSE_MS)) {
    try {
      return call();
    } catch (error) {
      const left = deadline - Date.now();
      if (!isBusy(error) || left <= 0) throw error;
      await delay(Math.min(pause, left));
    }
  }
}
