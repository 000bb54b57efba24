import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** One measured scenario, as printed and as written to `.results/outage.json`. */
export interface FigureRow {
  /** What was done to the backend, e.g. `server stopped mid-run`. */
  scenario: string;
  /** `postgres`, `redis` or `sqlite`. */
  store: string;
  /** `@lg` codes of the error along its cause chain (`A > B`), or `none` when the run did not fail. */
  errorCode: string;
  /** Milliseconds from the fault to the error (or to the end of the run when it did not fail). */
  timeToErrorMs: number;
  /** The documented bound for that wait with the options used, in milliseconds; `null` where none applies. */
  boundMs: number | null;
  /** Whether the execution was resumed to completion afterwards; `null` where the scenario has nothing to resume. */
  resumed: boolean | null;
  /** Anything else measured (kills, exit time, versions). */
  note: string;
}

/** Where the suite's figures go: `reliability/.results/outage.json`. */
export const RESULTS_FILE = join(__dirname, "..", "..", ".results", "outage.json");

const LOCK_WAIT_MS = 10_000;

function readRows(file: string): FigureRow[] {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
    return Array.isArray(parsed) ? (parsed as FigureRow[]) : [];
  } catch {
    return []; // no file yet, or one from an interrupted write: start afresh
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Test files run in parallel workers and each merges its rows: a directory made with mkdir is the lock, as mkdir
// fails when it exists, on every platform.
async function withLock<T>(file: string, fn: () => T): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) rmSync(lock, { recursive: true, force: true }); // left behind by a killed worker
      await sleep(20);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Merges `rows` into the results file (a row replaces the one of the same scenario and store) and returns every
 * row the file now holds, sorted by store and scenario.
 */
export async function recordFigures(rows: readonly FigureRow[], file = RESULTS_FILE): Promise<FigureRow[]> {
  mkdirSync(join(file, ".."), { recursive: true });
  return withLock(file, () => {
    const key = (row: FigureRow): string => `${row.store}\u0000${row.scenario}`;
    const merged = new Map(readRows(file).map((row) => [key(row), row]));
    for (const row of rows) merged.set(key(row), row);
    const all = [...merged.values()].sort((a, b) => key(a).localeCompare(key(b)));
    writeFileSync(`${file}.tmp`, `${JSON.stringify(all, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
    return all;
  });
}

/** The rows as a fixed-width text table for the test output. */
export function formatFigures(rows: readonly FigureRow[]): string {
  const header = ["scenario", "store", "error code", "time to error", "bound", "resumed", "note"];
  const cells = rows.map((row) => [
    row.scenario,
    row.store,
    row.errorCode,
    `${(row.timeToErrorMs / 1000).toFixed(2)} s`,
    row.boundMs === null ? "-" : `${(row.boundMs / 1000).toFixed(1)} s`,
    row.resumed === null ? "-" : row.resumed ? "yes" : "no",
    row.note,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => (line[column] ?? "").length)),
  );
  const render = (line: readonly string[]): string =>
    line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ");
  return [render(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...cells.map(render)].join("\n");
}
