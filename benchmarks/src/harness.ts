import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Bench } from "tinybench";

/**
 * A full garbage collection, run before every batch (outside the measured time) so that one system's garbage is
 * not collected during another system's samples: LangGraph allocates far more per step, and without this its
 * collections land in @lg's measurements too. Obtained without requiring `--expose-gc` on the command line.
 */
export const collectGarbage: () => void = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

/** One measured operation of one system. */
export interface Contestant {
  /** Key of the system in the results (`lg`, `langgraph-sync`, `raw` …). */
  name: string;
  /** One iteration; its duration is one sample. */
  run: () => Promise<unknown>;
  /**
   * Runs after each iteration, outside the measured time (e.g. deletes what the iteration wrote); `measured` is
   * false after a warm-up iteration.
   */
  afterEach?: (measured: boolean) => Promise<void>;
}

/** How many samples to take. */
export interface SamplingPlan {
  /** Rounds; every round runs one batch of each contestant, in an order rotated each round. */
  rounds: number;
  /** Measured iterations of each contestant per round. */
  iterationsPerRound: number;
  /** Unmeasured iterations of each contestant before the first round. */
  warmupIterations: number;
}

/**
 * Warms every contestant up (unmeasured, interleaved), then samples them in alternating batches: round r runs `iterationsPerRound` iterations of each
 * contestant, starting with contestant r mod n, so that drift in the machine's load (other processes, a
 * database's autovacuum) is spread over all systems instead of hitting whichever ran last. Each batch is a
 * tinybench run (`retainSamples`, `throws`: a failing iteration fails the benchmark). Returns the latency samples
 * (milliseconds) per contestant name.
 */
export async function sampleAlternating(
  contestants: readonly Contestant[],
  plan: SamplingPlan,
): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(contestants.map((c) => [c.name, []]));
  for (let i = 0; i < plan.warmupIterations; i++) {
    for (const c of contestants) {
      await c.run();
      await c.afterEach?.(false);
    }
  }
  for (let round = 0; round < plan.rounds; round++) {
    const bench = new Bench({
      time: 0,
      iterations: plan.iterationsPerRound,
      warmup: false,
      retainSamples: true,
      throws: true,
    });
    for (let i = 0; i < contestants.length; i++) {
      const c = contestants[(i + round) % contestants.length];
      if (c === undefined) continue;
      const after = c.afterEach;
      // `async: true` up front: otherwise tinybench calls a non-`async` function once, unawaited, to find out.
      bench.add(c.name, c.run, {
        async: true,
        beforeAll: collectGarbage,
        ...(after === undefined ? {} : { afterEach: () => after(true) }),
      });
    }
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== "completed") {
        const reason = result.state === "errored" ? result.error : new Error(`task ${task.name} ended ${result.state}`);
        throw reason;
      }
      samples.get(task.name)?.push(...(result.latency.samples ?? []));
    }
  }
  return samples;
}

/** Runs `count` calls of `fn` with at most `width` in flight (used to seed long histories quickly). */
export async function runBounded(count: number, width: number, fn: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      await fn(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
}
