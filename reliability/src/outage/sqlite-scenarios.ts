import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { BUSY_TIMEOUT_MS } from "./backend.js";
import type { FigureRow } from "./figures.js";
import { outageGraph } from "./graph.js";
import { FAULT_STEP, outageMidRun, scenarioExecutionId, SLACK_MS, STEPS, type ScenarioResult } from "./midrun.js";
import { describeCodes, isUnavailable, settle } from "./outcome.js";

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

/**
 * The database file, its WAL and shared-memory files are deleted inside a step (a cleanup job, a volume replaced).
 * What the store writes afterwards goes to a file nobody can open again, so the next save must fail typed instead
 * of reporting a checkpoint as stored; nothing can be resumed from a deleted file.
 */
export async function sqliteDeletedMidRun(): Promise<ScenarioResult> {
  const file = new SqliteFile();
  const store = await file.open();
  try {
    let faultEnd: number | undefined;
    const app = outageGraph(store, STEPS, (index) => {
      if (index !== FAULT_STEP || faultEnd !== undefined) return;
      file.dispose();
      faultEnd = performance.now();
    });
    const run = await settle(app.invoke({}, { executionId: scenarioExecutionId("sqlite deleted") }));
    const elapsed = run.at - (faultEnd ?? run.at);
    const problems: string[] = [];
    if (faultEnd === undefined) problems.push("the fault was never caused");
    if (!isUnavailable(run.error)) {
      problems.push(
        `the run ended with ${describeCodes(run.error)}: its checkpoints after the deletion went to a deleted file`,
      );
    }
    if (elapsed > SLACK_MS) problems.push(`the error came after ${elapsed.toFixed(0)} ms`);
    const row: FigureRow = {
      scenario: "file deleted mid-run",
      store: "sqlite",
      errorCode: describeCodes(run.error),
      timeToErrorMs: Math.round(elapsed),
      boundMs: null,
      resumed: null,
      note: "the save after the deletion fails: the file is gone, nothing to resume from",
    };
    return { row, problems };
  } finally {
    await store.close();
    file.dispose();
  }
}
