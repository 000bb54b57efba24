import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { BUSY_TIMEOUT_MS } from "./backend.js";
import { outageMidRun, type ScenarioResult } from "./midrun.js";

/** A database file in a temporary directory of its own, removed by `dispose()`. */
export class SqliteFile {
  private readonly dir = mkdtempSync(join(tmpdir(), "lg-outage-sqlite-"));
  /** The database file. */
  readonly path = join(this.dir, "checkpoints.db");

  /** A store on the file with the suite's lock wait. */
  open(): Promise<SqliteCheckpointStore> {
    return SqliteCheckpointStore.open({ path: this.path, busyTimeoutMs: BUSY_TIMEOUT_MS });
  }

  /** Deletes the directory with the database, its WAL and shared-memory files. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Another connection (another process, a backup tool, a person with the sqlite3 shell) takes the file's write lock
 * inside a step with `BEGIN EXCLUSIVE` and keeps it: the save waits `busyTimeoutMs` and fails typed; after the lock
 * is released, the run resumes.
 */
export async function sqliteLockedMidRun(): Promise<ScenarioResult> {
  const file = new SqliteFile();
  const store = await file.open();
  const holder = new Database(file.path);
  try {
    return await outageMidRun({
      scenario: "file locked mid-run (BEGIN EXCLUSIVE elsewhere)",
      storeName: "sqlite",
      store,
      fault: async () => {
        holder.exec("BEGIN EXCLUSIVE");
      },
      recover: async () => {
        holder.exec("ROLLBACK");
      },
      boundMs: BUSY_TIMEOUT_MS,
      boundNote: "busyTimeoutMs",
    });
  } finally {
    if (holder.inTransaction) holder.exec("ROLLBACK");
    holder.close();
    await store.close();
    file.dispose();
  }
}
