/**
 * `@lg/store-sqlite`: a `CheckpointStore` in one SQLite file, on better-sqlite3 — the embedded default.
 *
 * @packageDocumentation
 */
export { SqliteCheckpointStore } from "./sqlite-store.js";
export {
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_CACHE_SIZE_KIB,
  DEFAULT_TABLE_NAME,
  MEMORY_PATH,
  type SqliteDatabase,
  type SqliteOptions,
  type SqliteWriteLock,
} from "./options.js";
export type { AppliedTuning } from "./tuning.js";
