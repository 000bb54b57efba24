import { LOCK_WAIT_SLICE_MS } from "./busy.js";
import type { SqliteDatabase } from "./options.js";

/** The pragmas a connection ends up with, read back after they were set. */
export interface AppliedTuning {
  /** `wal` for files; `memory` for in-memory databases, which have no journal file. */
  journalMode: string;
  /** 1 = NORMAL. */
  synchronous: number;
  /** Milliseconds a call waits in all for another connection's lock (the `busyTimeoutMs` option). */
  busyTimeoutMs: number;
  /**
   * The connection's `busy_timeout` pragma in milliseconds: the longest one attempt blocks the thread waiting for a
   * lock (5, or `busyTimeoutMs` when smaller). The store retries asynchronously until `busyTimeoutMs`.
   */
  lockWaitSliceMs: number;
}

/**
 * Applies the seed's SQLite tuning to a connection:
 * - a short `busy_timeout` first (see `LOCK_WAIT_SLICE_MS`): SQLite's busy handler sleeps the thread, which in
 *   Node is the event loop, so one attempt waits a few milliseconds at most and the store retries asynchronously
 *   up to `busyTimeoutMs` (busy.ts);
 * - `journal_mode=WAL`: readers never block the writer and the writer never blocks readers, and a commit appends
 *   to the log instead of rewriting pages, which is what lets several processes share one file. SQLite answers a
 *   switch that meets another connection's lock with SQLITE_BUSY at once, without the busy handler (measured: two
 *   of three processes opening a new file together, 4 times in 30 rounds); that error reaches the caller, which
 *   retries the whole opening after an asynchronous pause;
 * - `synchronous=NORMAL`: in WAL mode a commit survives a process crash, and only the last commits before a
 *   power loss can be lost (the database stays consistent); FULL would fsync on every checkpoint save;
 * - a larger page cache (`cache_size`, negative = KiB) so the index and recent rows stay in memory.
 *
 * Every pragma is idempotent, so a retry after SQLITE_BUSY applies them all again.
 */
export function applyTuning(
  db: SqliteDatabase,
  settings: { busyTimeoutMs: number; cacheSizeKib: number },
): AppliedTuning {
  db.pragma(`busy_timeout = ${Math.min(LOCK_WAIT_SLICE_MS, settings.busyTimeoutMs)}`);
  if (!db.memory) db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma(`cache_size = ${-settings.cacheSizeKib}`);
  return {
    journalMode: String(db.pragma("journal_mode", { simple: true })),
    synchronous: Number(db.pragma("synchronous", { simple: true })),
    busyTimeoutMs: settings.busyTimeoutMs,
    lockWaitSliceMs: Number(db.pragma("busy_timeout", { simple: true })),
  };
}
