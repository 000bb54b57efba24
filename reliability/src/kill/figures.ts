import type { ExecutionReport, KillRecord } from "./campaign.js";
import { KILL_KINDS, type KillKind } from "./points.js";
import type { StoreKind } from "./stores.js";

/** The figures of one store. */
export interface StoreFigures {
  /** The store. */
  store: StoreKind;
  /** Executions killed and resumed. */
  executions: number;
  /** Kill points survived (each counted once). */
  killPoints: number;
  /** Kill points by kind. */
  byKind: Record<KillKind, number>;
  /** `inside-save` kills whose checkpoint was found stored afterwards, and those whose was not. */
  insideSave: { landed: number; notLanded: number };
  /** `wall-clock` kills that came while the graph ran, and those that found the child waiting at its span's end. */
  wallClock: { running: number; held: number };
  /** Children that resumed an execution from its checkpoints. */
  resumes: number;
  /** Children started, reference run and finishing runs included. */
  children: number;
  /** Planned kills not made (the execution was finished) and kills whose child finished instead of dying. */
  unused: { skipped: number; missed: number };
  /** How long the uninterrupted reference run's graph took, in milliseconds. */
  referenceRunMs: number;
  /** Wall time of the store's whole campaign, in milliseconds. */
  totalMs: number;
  /** Every kill survived, by execution (1-based), in order: where it fell and the versions around it. */
  points: (KillRecord & { execution: number })[];
}

/** Adds up one store's execution reports. */
export function storeFigures(
  store: StoreKind,
  reports: readonly ExecutionReport[],
  timing: { referenceRunMs: number; totalMs: number },
): StoreFigures {
  const kills = reports.flatMap((report) => report.kills);
  const byKind = Object.fromEntries(
    KILL_KINDS.map((kind) => [kind, kills.filter((k) => k.kind === kind).length]),
  ) as Record<KillKind, number>;
  const inside = kills.filter((k) => k.kind === "inside-save");
  const wall = kills.filter((k) => k.kind === "wall-clock");
  const sum = (pick: (report: ExecutionReport) => number): number =>
    reports.reduce((total, report) => total + pick(report), 0);
  return {
    store,
    executions: reports.length,
    killPoints: kills.length,
    byKind,
    insideSave: {
      landed: inside.filter((k) => k.landed === true).length,
      notLanded: inside.filter((k) => k.landed !== true).length,
    },
    wallClock: {
      running: wall.filter((k) => k.held !== true).length,
      held: wall.filter((k) => k.held === true).length,
    },
    resumes: sum((r) => r.resumes),
    children: sum((r) => r.children) + 1,
    unused: { skipped: sum((r) => r.skipped), missed: sum((r) => r.missed) },
    referenceRunMs: Math.round(timing.referenceRunMs),
    totalMs: Math.round(timing.totalMs),
    points: reports.flatMap((report, i) => report.kills.map((kill) => ({ execution: i + 1, ...kill }))),
  };
}

/** Figures as recorded: with the seed of the run that measured them. */
export type RecordedFigures = StoreFigures & { seed: number };

/** The figures as a plain-text table, one row per store. */
export function formatFigures(figures: readonly RecordedFigures[]): string {
  const header = [
    "store",
    "kill points",
    ...KILL_KINDS,
    "in-save landed/not",
    "wall-clock running/held",
    "resumes",
    "children",
    "skipped/missed",
    "ref run ms",
    "total s",
    "seed",
  ];
  const rows = figures.map((f) => [
    f.store,
    String(f.killPoints),
    ...KILL_KINDS.map((kind) => String(f.byKind[kind])),
    `${f.insideSave.landed}/${f.insideSave.notLanded}`,
    `${f.wallClock.running}/${f.wallClock.held}`,
    String(f.resumes),
    String(f.children),
    `${f.unused.skipped}/${f.unused.missed}`,
    String(f.referenceRunMs),
    (f.totalMs / 1000).toFixed(1),
    String(f.seed),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}
