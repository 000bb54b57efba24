import type { SqliteDatabase } from "./options.js";
import { sqliteCode } from "./sqlite-errors.js";

/** The pragmas a connection ends up with, read back after they were set. */
export interface AppliedTuning {
  /** `wal` for files; `memory` for in-memory databases, which have no journal file. */
  journalMode: string;
  /** 1 = NORMAL. */
  synchronous: number;
  /** Milliseconds. */
  busyTimeoutMs: number;
}

/**
 * Applies the seed's SQLite tuning to a connection:
 * - `busy_timeout` first, so every later statement (including the switch to WAL) waits for another process's
 *   lock instead of failing at once with "database is locked";
 * - `journal_mode=WAL`: readers never block the writer and the writer never blocks readers, and a commit appends
 *   to the log instead of rewriting pages, which is what lets several processes share one file. SQLite answers a
 *   switch that meets another connection's lock with SQLITE_BUSY at once, without the busy handler (measured: two
 *   of three processes opening a new file together, 4 times in 30 rounds), so the switch is retried until
 *   `busy_timeout` has passed;
 * - `synchronous=NORMAL`: in WAL mode a commit survives a process crash, and only the last commits before a
 *   power loss can be lost (the database stays consistent); FULL would fsync on every checkpoint save;
 * - a larger page cache (`cache_size`, negative = KiB) so the index and recent rows stay in memory.
 */
export function applyTuning(
  db: SqliteDatabase,
  settings: { busyTimeoutMs: number; cacheSizeKib: number },
): AppliedTuning {
  db.pragma(`busy_timeout = ${settings.busyTimeoutMs}`);
  if (!db.memory) switchToWal(db, settings.busyTimeoutMs);
  db.pragma("synchronous = NORMAL");
  db.pragma(`cache_size = ${-settings.cacheSizeKib}`);
  return {
    journalMode: String(db.pragma("journal_mode", { simple: true })),
    synchronous: Number(db.pragma("synchronous", { simple: true })),
    busyTimeoutMs: Number(db.pragma("busy_timeout", { simple: true })),
  };
}

const pauseBuffer = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` (the store's constructor is synchronous, like better-sqlite3 itself). */
function sleepSync(ms: number): void {
  Atomics.wait(pauseBuffer, 0, 0, ms);
}

function switchToWal(db: SqliteDatabase, busyTimeoutMs: number): void {
  const deadline = Date.now() + busyTimeoutMs;
  for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
    try {
      db.pragma("journal_mode = WAL");
      return;
    } catch (error) {
      if (!(sqliteCode(error) ?? "").startsWith("SQLITE_BUSY") || Date.now() >= deadline) throw error;
      sleepSync(pause);
    }
  }
}
