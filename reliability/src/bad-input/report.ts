import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { CaseOutcome } from "./outcome.js";
import { BACKENDS } from "./types.js";

/** Per-backend totals of a run. */
export interface BackendTotals {
  /** Cases run. */
  cases: number;
  /** Of which ended in the expected class and code. */
  typed: number;
  /** Of which left what is stored unchanged. */
  unchanged: number;
}

/** Adds the outcomes up by backend. */
export function totalsOf(outcomes: readonly CaseOutcome[]): Record<string, BackendTotals> {
  const totals: Record<string, BackendTotals> = {};
  for (const o of outcomes) {
    const t = (totals[o.backend] ??= { cases: 0, typed: 0, unchanged: 0 });
    t.cases++;
    if (o.typed) t.typed++;
    if (o.unchanged) t.unchanged++;
  }
  return totals;
}

/** The table printed at the end: cases per area and backend, then the totals. */
export function formatTable(outcomes: readonly CaseOutcome[]): string {
  const ran = BACKENDS.filter((b) => outcomes.some((o) => o.backend === b));
  const areas = [...new Set(outcomes.map((o) => o.area))];
  const cell = (list: readonly CaseOutcome[]): string =>
    list.length === 0 ? "-" : `${list.filter((o) => o.typed && o.unchanged).length}/${list.length}`;
  const rows = areas.map((area) => [
    area,
    ...ran.map((b) => cell(outcomes.filter((o) => o.area === area && o.backend === b))),
  ]);
  rows.push(["all (typed and unchanged)", ...ran.map((b) => cell(outcomes.filter((o) => o.backend === b)))]);
  const header = ["area", ...ran];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]): string => r.map((v, i) => v.padEnd(widths[i] ?? 0)).join("  ");
  const distinct = new Set(outcomes.map((o) => o.name)).size;
  const bad = outcomes.filter((o) => !o.typed || !o.unchanged);
  return [
    `bad input: ${distinct} distinct inputs, ${outcomes.length} runs over ${ran.join(", ")}`,
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    ...bad.map(
      (o) =>
        `NOT TYPED OR CHANGED: [${o.backend}] ${o.name}: ${o.got === "accepted" ? "accepted" : `${o.got.type} ${o.got.code ?? ""}`}${o.unchanged ? "" : " (stored data changed)"}`,
    ),
  ].join("\n");
}

/** Writes the outcomes and totals as JSON (e.g. to `reliability/.results/bad-input.json`). */
export function writeResults(file: string, outcomes: readonly CaseOutcome[]): void {
  mkdirSync(dirname(file), { recursive: true });
  const body = { generatedAt: new Date().toISOString(), totals: totalsOf(outcomes), outcomes };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
}
