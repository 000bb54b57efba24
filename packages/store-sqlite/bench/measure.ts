import { performance } from "node:perf_hooks";

/** One timed run of a loop, per operation. */
export interface Sample {
  /** Wall-clock microseconds per operation. */
  wallUs: number;
  /** CPU microseconds (user + system) this process spent per operation. */
  cpuUs: number;
}

/**
 * Times `n` sequential awaited calls of `op`. Both sides of every comparison go through this one function, so the
 * raw driver calls pay the same loop and `await` cost as the store's methods.
 *
 * CPU time is recorded beside wall time because the benchmark machine may be shared: wall time then also counts
 * the time other processes held the core, CPU time only this process's work (the driver is in-process and
 * synchronous, so on an idle machine the two agree).
 */
export async function timeLoop(n: number, op: (i: number) => unknown): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < n; i++) await op(i);
  const wallUs = ((performance.now() - wall0) * 1000) / n;
  const cpu = process.cpuUsage(cpu0);
  return { wallUs, cpuUs: (cpu.user + cpu.system) / n };
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid] as number;
  return ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Per-field median of the samples: robust against a round that another process slowed down. */
export function median(samples: readonly Sample[]): Sample {
  return { wallUs: medianOf(samples.map((s) => s.wallUs)), cpuUs: medianOf(samples.map((s) => s.cpuUs)) };
}

/** A raw-versus-store figure. */
export interface Comparison {
  /** What was measured, e.g. "save". */
  operation: string;
  /** Median of the raw driver rounds. */
  raw: Sample;
  /** Median of the store rounds. */
  store: Sample;
  /** Shown for information only, not held to the floor. */
  informational?: boolean;
}

/** Store CPU time over raw CPU time: the figure the floor is judged on. */
export function ratioOf(c: Comparison): number {
  return c.store.cpuUs / c.raw.cpuUs;
}

function opsPerSec(us: number): string {
  return Math.round(1e6 / us).toLocaleString("en-US");
}

function row(cells: Array<string | number>, widths: number[]): string {
  const pad = (cell: string | number, i: number): string =>
    i === 0 ? String(cell).padEnd(widths[i] ?? 0) : String(cell).padStart(widths[i] ?? 0);
  return cells.map(pad).join("  ");
}

/** Renders the comparisons: ops/s and µs/op (wall), CPU µs/op, the CPU ratio and whether it is within `floor`. */
export function formatComparisons(comparisons: readonly Comparison[], floor: number): string {
  const widths = [44, 10, 9, 9, 12, 9, 9, 7, 10];
  const header = row(
    ["operation", "raw ops/s", "raw µs", "raw cpu", "store ops/s", "store µs", "store cpu", "ratio", `≤ ${floor}x`],
    widths,
  );
  const lines = comparisons.map((c) => {
    const ratio = ratioOf(c);
    return row(
      [
        c.operation,
        opsPerSec(c.raw.wallUs),
        c.raw.wallUs.toFixed(1),
        c.raw.cpuUs.toFixed(1),
        opsPerSec(c.store.wallUs),
        c.store.wallUs.toFixed(1),
        c.store.cpuUs.toFixed(1),
        `${ratio.toFixed(2)}x`,
        c.informational === true ? "(info)" : ratio <= floor ? "yes" : "NO",
      ],
      widths,
    );
  });
  return [header, "-".repeat(header.length), ...lines].join("\n");
}
