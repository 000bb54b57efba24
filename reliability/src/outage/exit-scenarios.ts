import Database from "better-sqlite3";
import { SilentServer } from "../../../packages/store-redis/test/net-faults.js";
import { BUSY_TIMEOUT_MS, type OutageBackend } from "./backend.js";
import { runChild, type ChildReport } from "./child-process.js";
import type { ChildSpec } from "./child-run.js";
import type { FigureRow } from "./figures.js";
import { SLACK_MS, type ScenarioResult } from "./midrun.js";
import { SqliteFile } from "./sqlite-scenarios.js";

/** A scenario run in a child process: what it does and how long its error may take. */
interface ExitCase {
  /** The scenario's name in the figures (prefixed with `process exits: `). */
  scenario: string;
  /** The store's name in the figures. */
  storeName: string;
  /** What the child runs on. */
  spec: ChildSpec;
  /** Caused at the child's fault point. */
  fault?: () => Promise<void>;
  /** Done when the child reported its error. */
  afterError?: () => Promise<void>;
  /** Added to the figures' note. */
  note?: string;
  /** The documented bound of the error, in milliseconds. */
  boundMs: number;
}

/** Checks the child's report: one typed error within the bound, then an exit of its own with code 0. */
function judge(target: ExitCase, report: ChildReport): ScenarioResult {
  const error = report.events.find((event) => event.event === "error");
  const codes = error?.codes ?? [];
  const problems: string[] = [];
  if (!codes.includes("LG_STORE_UNAVAILABLE")) {
    problems.push(
      `the child reported ${JSON.stringify(report.events)} (stderr: ${report.stderr.trim()}), not StoreUnavailableError`,
    );
  }
  if ((error?.ms ?? Infinity) > target.boundMs + SLACK_MS)
    problems.push(`the error came after ${error?.ms} ms, bound ${target.boundMs} ms`);
  if (report.exitAfterMs === undefined) problems.push("the child did not exit by itself: a handle stayed open");
  else if (report.exitAfterMs > SLACK_MS)
    problems.push(`the child exited ${report.exitAfterMs.toFixed(0)} ms after the error`);
  if (report.exitCode !== 0) problems.push(`the child exited with code ${report.exitCode}: ${report.stderr.trim()}`);
  const row: FigureRow = {
    scenario: `process exits: ${target.scenario}`,
    store: target.storeName,
    errorCode: codes.length > 0 ? codes.join(" > ") : "none",
    timeToErrorMs: error?.ms ?? -1,
    boundMs: target.boundMs,
    resumed: null,
    note:
      report.exitAfterMs === undefined
        ? "did not exit, killed"
        : `exited ${report.exitAfterMs.toFixed(0)} ms after the error, code ${report.exitCode}, store not closed${target.note ?? ""}`,
  };
  return { row, problems };
}

async function exitCase(target: ExitCase): Promise<ScenarioResult> {
  return judge(target, await runChild(target.spec, { fault: target.fault, afterError: target.afterError }));
}

/** In a child: the server is stopped mid-run; restarted afterwards for the next scenario. */
export async function exitAfterStop(backend: OutageBackend): Promise<ScenarioResult> {
  try {
    return await exitCase({
      scenario: "server stopped mid-run",
      storeName: backend.name,
      spec: { store: backend.name as ChildSpec["store"], target: backend.address, faultPoint: true },
      fault: () => backend.stop(),
      boundMs: backend.bounds.stopped.ms,
    });
  } finally {
    await backend.restart();
  }
}

/**
 * In a child: the server is frozen mid-run; thawed afterwards. A backend whose dropped connections outlive the
 * freeze (see {@link OutageBackend.exitsWhileFrozen}) is thawed as soon as the child reported its error, and the
 * child must exit then.
 */
export async function exitAfterFreeze(backend: OutageBackend): Promise<ScenarioResult> {
  const thawFirst = !backend.exitsWhileFrozen;
  try {
    return await exitCase({
      scenario: "server frozen mid-run",
      storeName: backend.name,
      spec: { store: backend.name as ChildSpec["store"], target: backend.address, faultPoint: true },
      fault: () => backend.freeze(),
      afterError: thawFirst ? async () => backend.thaw() : undefined,
      note: thawFirst
        ? ", once the server was thawed after the error (its sockets outlive the freeze)"
        : ", server still frozen",
      boundMs: backend.bounds.frozen.ms,
    });
  } finally {
    backend.thaw();
  }
}

/** In a child: the store's address is a listener that never answers; the listener keeps its end open throughout. */
export async function exitAfterSilent(backend: OutageBackend): Promise<ScenarioResult> {
  const silent = await SilentServer.start();
  try {
    return await exitCase({
      scenario: "silent server at connect",
      storeName: backend.name,
      spec: { store: backend.name as ChildSpec["store"], target: `127.0.0.1:${silent.port}`, faultPoint: false },
      boundMs: backend.bounds.connect.ms,
    });
  } finally {
    await silent.close();
  }
}

/** In a child: the SQLite file is locked by this process mid-run. */
export async function exitAfterSqliteLock(): Promise<ScenarioResult> {
  const file = new SqliteFile();
  const holder = new Database(file.path);
  try {
    return await exitCase({
      scenario: "file locked mid-run",
      storeName: "sqlite",
      spec: { store: "sqlite", target: file.path, faultPoint: true },
      fault: async () => {
        holder.exec("BEGIN EXCLUSIVE");
      },
      boundMs: BUSY_TIMEOUT_MS,
    });
  } finally {
    if (holder.inTransaction) holder.exec("ROLLBACK");
    holder.close();
    file.dispose();
  }
}
