import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { StoreKind } from "../kill/stores.js";
import type { RecoveryLatency } from "./latency.js";

/** The figures of one store's chaos tests. */
export interface ChaosFigures {
  store: StoreKind;
  seed: number;
  /** The campaign: executions, worker processes started, SIGKILLs, effect calls and repeated ones. */
  executions: number;
  workersStarted: number;
  /** Median milliseconds from a worker process's start to its first claim. */
  workerStartMs?: number;
  kills: number;
  /** Kills that found the worker holding executions (a worker killed while it started holds none). */
  killsHolding: number;
  versionsPerExecution: number;
  effectCalls: number;
  repeatedCalls: number;
  /** Milliseconds of the kill phase and from the first submission to the last execution's end. */
  killPhaseMs: number;
  totalMs: number;
  /**
   * From a SIGKILL to the next step of an execution the killed worker held: in the campaign, where it waits behind
   * a backlog of queued executions for a free slot, and in the recovery campaign, with slots to spare.
   */
  recoveryUnderLoad?: RecoveryLatency;
  recovery?: RecoveryLatency;
  /** The zombie scenario: what the resumed zombie saw, and how long the takeover took. */
  zombie?: { errors: string[]; takeoverMs: number };
}

/**
 * Writes `figures` to `<resultsDir>/chaos/<store>.json`, gathers every store's into `<resultsDir>/chaos.json`, and
 * returns all of them as a table.
 */
export function recordChaosFigures(resultsDir: string, figures: ChaosFigures): string {
  const storesDir = join(resultsDir, "chaos");
  mkdirSync(storesDir, { recursive: true });
  const entry = { writtenAt: new Date().toISOString(), node: process.version, ...figures };
  writeFileSync(join(storesDir, `${figures.store}.json`), `${JSON.stringify(entry, null, 2)}\n`);
  const all = readdirSync(storesDir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(storesDir, name), "utf8")) as ChaosFigures);
  writeFileSync(join(resultsDir, "chaos.json"), `${JSON.stringify({ suite: "chaos", stores: all }, null, 2)}\n`);
  return formatChaosFigures(all);
}

/** The figures as a plain-text table, one row per store. */
export function formatChaosFigures(all: readonly ChaosFigures[]): string {
  const header = [
    "store",
    "execs",
    "kills",
    "workers",
    "versions",
    "calls",
    "repeated",
    "kill s",
    "total s",
    "under load p50/p99 ms",
    "recovery p50/p99/max ms",
    "samples",
    "zombie takeover ms",
    "seed",
  ];
  const rows = all.map((f) => [
    f.store,
    String(f.executions),
    `${f.kills} (${f.killsHolding ?? "-"})`,
    String(f.workersStarted),
    String(f.versionsPerExecution),
    String(f.effectCalls),
    String(f.repeatedCalls),
    (f.killPhaseMs / 1000).toFixed(1),
    (f.totalMs / 1000).toFixed(1),
    f.recoveryUnderLoad === undefined ? "-" : `${f.recoveryUnderLoad.p50Ms}/${f.recoveryUnderLoad.p99Ms}`,
    f.recovery === undefined ? "-" : `${f.recovery.p50Ms}/${f.recovery.p99Ms}/${f.recovery.maxMs}`,
    String(f.recovery?.samples ?? "-"),
    f.zombie === undefined ? "-" : String(f.zombie.takeoverMs),
    String(f.seed),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}
