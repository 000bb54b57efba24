import { performance } from "node:perf_hooks";
import type { Checkpoint, CheckpointStore } from "@lg/core";
import { createTestCheckpoint, filler, uniqueId } from "./fixtures.js";

/** Options of {@link benchmarkStore}. */
export interface BenchmarkOptions {
  /** Measured operations per figure (default 500). */
  iterations?: number;
  /** Approximate size of each checkpoint's state in bytes (default 1024). */
  stateBytes?: number;
  /** Unmeasured operations run first so the JIT and connection pools are warm (default 20). */
  warmup?: number;
}

/** Throughput and latency of one operation, measured with sequential awaits. */
export interface BenchmarkFigure {
  /** Operations measured. */
  iterations: number;
  /** Operations per second over the whole measured run. */
  opsPerSec: number;
  /** Median latency in microseconds. */
  p50Us: number;
  /** 95th-percentile latency in microseconds. */
  p95Us: number;
}

/** The figures {@link benchmarkStore} returns. */
export interface BenchmarkResult {
  /** `save` of a new checkpoint (version n+1) of one execution. */
  save: BenchmarkFigure;
  /** `load` of a random saved checkpoint by id. */
  load: BenchmarkFigure;
  /** `latest` of the execution. */
  latest: BenchmarkFigure;
  /** `list(executionId, { limit: 20, order: "desc" })`: the newest 20. */
  list20: BenchmarkFigure;
}

function percentile(sortedUs: readonly number[], p: number): number {
  if (sortedUs.length === 0) return 0;
  const index = Math.min(sortedUs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedUs.length) - 1));
  return sortedUs[index] as number;
}

async function measure(iterations: number, op: (i: number) => Promise<unknown>): Promise<BenchmarkFigure> {
  const latencies: number[] = new Array<number>(iterations);
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await op(i);
    latencies[i] = (performance.now() - t0) * 1000;
  }
  const totalMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const round = (n: number): number => Math.round(n * 10) / 10;
  return {
    iterations,
    opsPerSec: Math.round(iterations / (totalMs / 1000)),
    p50Us: round(percentile(latencies, 50)),
    p95Us: round(percentile(latencies, 95)),
  };
}

function checkpointOf(executionId: string, version: number, payload: string, parent?: Checkpoint): Checkpoint {
  const cp = createTestCheckpoint({ executionId, version, state: { version, payload } });
  if (parent !== undefined) cp.parentId = parent.id;
  return cp;
}

/**
 * Measures `save`, `load`, `latest` and `list` (newest 20) on a store with sequential awaits, the way a graph run
 * uses it, and returns ops/s with p50/p95 latency. It writes to fresh random executions and clears them at the
 * end. Store packages call it from their benchmark scripts to compare with raw driver round trips.
 */
export async function benchmarkStore(store: CheckpointStore, options: BenchmarkOptions = {}): Promise<BenchmarkResult> {
  const iterations = options.iterations ?? 500;
  const warmup = options.warmup ?? 20;
  const payload = filler(Math.max(0, (options.stateBytes ?? 1024) - 32));
  const warmupExecution = uniqueId("bench-warmup");
  const executionId = uniqueId("bench");
  try {
    let parent: Checkpoint | undefined;
    for (let v = 1; v <= warmup; v++) {
      parent = checkpointOf(warmupExecution, v, payload, parent);
      await store.save(parent);
      await store.load(parent.id);
      await store.latest(warmupExecution);
      await store.list(warmupExecution, { limit: 20, order: "desc" });
    }
    const ids: string[] = [];
    let previous: Checkpoint | undefined;
    const save = await measure(iterations, async (i) => {
      previous = checkpointOf(executionId, i + 1, payload, previous);
      ids.push(previous.id);
      await store.save(previous);
    });
    const load = await measure(iterations, (i) => store.load(ids[(i * 7919) % ids.length] as string));
    const latest = await measure(iterations, () => store.latest(executionId));
    const list20 = await measure(iterations, () => store.list(executionId, { limit: 20, order: "desc" }));
    return { save, load, latest, list20 };
  } finally {
    await store.clear(warmupExecution);
    await store.clear(executionId);
  }
}

/** Renders a {@link BenchmarkResult} as an aligned text table, one line per operation, for benchmark scripts. */
export function formatBenchmark(label: string, result: BenchmarkResult): string {
  const rows = Object.entries(result).map(
    ([op, f]: [string, BenchmarkFigure]) =>
      `${label.padEnd(16)} ${op.padEnd(8)} ${String(f.opsPerSec).padStart(9)} ops/s   p50 ${f.p50Us
        .toFixed(1)
        .padStart(9)} µs   p95 ${f.p95Us.toFixed(1).padStart(9)} µs`,
  );
  return rows.join("\n");
}
