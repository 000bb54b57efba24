import type { StoreMetrics } from "@lg/core";

const ms = (value: number): string => value.toFixed(2);

/** Formats a metered store's counters as a fixed-width table, one line per store method called. */
export function metricsTable(metrics: StoreMetrics): string[] {
  const header = ["operation", "calls", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"];
  const rows = Object.entries(metrics.operations).map(([operation, m]) => [
    operation,
    String(m.count),
    String(m.errors),
    ms(m.latency.p50),
    ms(m.latency.p95),
    ms(m.latency.p99),
    ms(m.latency.maxMs),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}
