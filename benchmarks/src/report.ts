import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { GoalCheck } from "./goals.js";
import type { GrowingRow, GrowingSystem, ResultRow, SystemColumn, Unavailable } from "./results.js";
import type { WorkersOutput } from "./workloads/workers.js";

/** What the JSON file holds. */
export interface RunReport {
  /** When, where and with what the run was made. */
  meta: Record<string, unknown>;
  /** Systems that could not run on a backend, and why. */
  unavailable: Unavailable[];
  /** Every figure. */
  rows: ResultRow[];
  /** The goals, checked. */
  goals: GoalCheck[];
  /** The growing-state workload's figures (empty when it did not run). */
  growing: GrowingRow[];
  /** The workers workload's figures (empty when it did not run). */
  workers: WorkersOutput;
}

/** Milliseconds with three significant digits (µs below 1 ms stay readable: 0.0312). */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms >= 100) return ms.toFixed(0);
  return ms.toPrecision(3);
}

/** A ratio `a / b` as `0.25x`. */
export function formatRatio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b <= 0) return "—";
  const r = a / b;
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}x`;
}

const COLUMNS: readonly SystemColumn[] = ["lg", "langgraph", "langgraphAsync", "raw"];

/**
 * The results as a Markdown table: absolute medians in milliseconds, then the ratios the claims rest on
 * (below 1 means @lg is faster). "LangGraph" is sync durability for graph runs and the saver's own call for store
 * operations (no durability involved); "LG async" is LangGraph's default durability, for information.
 */
export function markdownTable(rows: readonly ResultRow[]): string {
  const header =
    "| backend | workload | metric | @lg ms | LangGraph ms | LG async ms | raw ms | @lg / LangGraph | @lg / LG async | @lg / raw |";
  const rule = "|---|---|---|--:|--:|--:|--:|--:|--:|--:|";
  const lines = rows
    .filter((r) => r.detailOnly !== true)
    .map((r) => {
      const v = r.values;
      const cells = [
        r.backend,
        r.workload,
        r.metric,
        ...COLUMNS.map((c) => formatMs(v[c])),
        formatRatio(v.lg, v.langgraph),
        formatRatio(v.lg, v.langgraphAsync),
        formatRatio(v.lg, v.raw),
      ];
      return `| ${cells.join(" | ")} |`;
    });
  return [header, rule, ...lines].join("\n");
}

/** The goals as a Markdown table. */
export function goalsTable(goals: readonly GoalCheck[]): string {
  const lines = goals.map((g) => {
    const measured = Number.isFinite(g.measured) ? g.measured.toFixed(3) : "—";
    return `| ${g.backend} | ${g.goal} | ${measured} | ${g.target} | ${g.status} |`;
  });
  return ["| backend | goal | measured | target | status |", "|---|---|--:|---|---|", ...lines].join("\n");
}

/** Lines saying which systems could not run where, and why. */
export function unavailableLines(unavailable: readonly Unavailable[]): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const u of unavailable) {
    const key = `${u.backend}:${u.reason}`;
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(`- LangGraph JS on ${u.backend}: not measured — ${u.reason}.`);
  }
  return lines;
}

/** Writes the JSON report, creating its directory. */
export function writeJsonReport(path: string, report: RunReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

const GROWING_LABELS: Record<GrowingSystem, string> = {
  lg: "@lg",
  langgraph: "LangGraph (concat reducer)",
  langgraphDelta: "LangGraph DeltaChannel (beta)",
};

/** Bytes as megabytes (10^6) with three significant digits. */
export function formatMegabytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return "—";
  return `${(bytes / 1e6).toPrecision(3)} MB`;
}

/**
 * The growing-state workload as a Markdown table: per system and backend, the per-step overhead near the start and
 * near the end of the conversation (window medians, step time minus the same graph without a checkpointer), how
 * much it grew, and the bytes stored for the execution against the bytes of the messages.
 */
export function growingTable(rows: readonly GrowingRow[]): string {
  const header =
    "| backend | system | steps | overhead early ms | overhead late ms | late / early | stored | stored / messages " +
    "| latest ms | raw read ms |";
  const rule = "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|";
  const lines = rows.map((r) => {
    const cells = [
      r.backend,
      GROWING_LABELS[r.system],
      r.steps.toLocaleString("en-US"),
      formatMs(r.overheadEarly),
      formatMs(r.overheadLate),
      r.overheadLate > 0 && r.overheadEarly > 0 ? formatRatio(r.overheadLate, r.overheadEarly) : "—",
      formatMegabytes(r.storedBytes),
      formatRatio(r.storedBytes, r.messageBytes),
      r.latest === undefined ? "—" : formatMs(r.latest.p50),
      r.rawLatest === undefined ? "—" : formatMs(r.rawLatest.p50),
    ];
    return `| ${cells.join(" | ")} |`;
  });
  const first = rows[0];
  const legend =
    first === undefined
      ? ""
      : `\n\nEarly = median of steps ${first.earlyWindow.join("–")}, late = median of steps ${first.lateWindow.join("–")}; ` +
        `messages = ${first.steps.toLocaleString("en-US")} x ${(first.messageBytes / first.steps).toFixed(0)} bytes ` +
        `(${formatMegabytes(first.messageBytes)}); latest = p50 of \`latest\` of the finished execution, raw read = ` +
        `p50 of the driver alone reading one row that holds the same checkpoint whole and parsing it.`;
  return [header, rule, ...lines].join("\n") + legend;
}
