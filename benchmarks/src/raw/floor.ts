import { randomUUID } from "node:crypto";
import { SEEDED_ENTRIES, linearNodeName, logEntry, stateWithEntries, workerName, type BenchState } from "../payload.js";
import {
  expectEqual,
  type CheckpointOps,
  type GraphRunner,
  type GraphShapes,
  type NodeStartHook,
} from "../systems/types.js";
import type { RawDriver, RawRow } from "./types.js";

/** Builds the row a store would write for one checkpoint: the same JSON text for state, metadata and next. */
function row(
  executionId: string,
  version: number,
  nodeName: string,
  state: BenchState,
  next: string[],
  parentId: string | null,
): RawRow {
  return {
    id: randomUUID(),
    executionId,
    nodeName,
    state: JSON.stringify(state),
    metadata: JSON.stringify({
      source: version === 1 ? "input" : "loop",
      step: version - 1,
      execution_id: executionId,
    }),
    timestamp: Date.now(),
    version,
    parentId,
    next: JSON.stringify(next),
  };
}

/**
 * The loop a checkpointing runtime cannot go below: read the execution's latest checkpoint once, write the input
 * checkpoint, then after each super-step build the new state and insert it — the same rows, in the same order, as
 * the graph runs write, with nothing else.
 */
async function checkpointLoop(
  driver: RawDriver,
  executionId: string,
  steps: readonly (readonly string[])[],
  onStep: NodeStartHook,
): Promise<number> {
  if ((await driver.latest(executionId)) !== undefined) throw new Error(`execution ${executionId} is not new`);
  let state: BenchState = { log: [] };
  let parent: RawRow = row(executionId, 1, "__input__", state, [...(steps[0] ?? [])], null);
  await driver.insert(parent);
  for (let s = 0; s < steps.length; s++) {
    onStep();
    const ran = steps[s] ?? [];
    const added = ran.map((node) => logEntry(node, state.log.length));
    state = { log: [...state.log, ...added] };
    const next = row(executionId, s + 2, ran.join(","), state, [...(steps[s + 1] ?? [])], parent.id);
    await driver.insert(next);
    parent = next;
  }
  return state.log.length;
}

/**
 * The raw floor of the graph workloads: the checkpoint rows of each graph written by a plain loop. `onStep` is
 * called where a graph would start the step's nodes, so the linear workload times raw steps like graph steps.
 */
export function rawGraphs(shapes: GraphShapes, driver: RawDriver, onStep: NodeStartHook): GraphRunner {
  const linearSteps = (n: number) => Array.from({ length: n }, (_, i) => [linearNodeName(i)]);
  const workers = Array.from({ length: shapes.fanoutWidth }, (_, i) => workerName(i));
  const fanoutSteps: string[][] = [["dispatch"]];
  for (let r = 0; r < shapes.fanoutRounds; r++) fanoutSteps.push(workers, ["dispatch"]);
  const run = async (
    id: string,
    steps: readonly (readonly string[])[],
    entries: number,
    hook: NodeStartHook,
  ): Promise<void> => {
    expectEqual("raw final log length", await checkpointLoop(driver, id, steps, hook), entries);
  };
  const linear = linearSteps(shapes.linearSteps);
  const short = linearSteps(shapes.concurrentSteps);
  return {
    linear: (id) => run(id, linear, shapes.linearSteps, onStep),
    shortLinear: (id) => run(id, short, shapes.concurrentSteps, () => undefined),
    fanout: (id) => run(id, fanoutSteps, shapes.fanoutRounds * (shapes.fanoutWidth + 1) + 1, () => undefined),
    cleanup: (id) => driver.clear(id),
  };
}

/** The raw floor of the checkpoint operations: one insert, one latest read, one page read. */
export function rawCheckpointOps(driver: RawDriver): CheckpointOps {
  const lastSaved = new Map<string, RawRow>();
  const seededRow = (executionId: string, version: number, parentId: string | null): RawRow =>
    row(executionId, version, "seed", stateWithEntries(SEEDED_ENTRIES), ["seed"], parentId);
  return {
    seed: async (executionId, count) => {
      const rows: RawRow[] = [];
      for (let v = 1; v <= count; v++) rows.push(seededRow(executionId, v, rows[v - 2]?.id ?? null));
      for (let i = 0; i < rows.length; i += 64) await Promise.all(rows.slice(i, i + 64).map((r) => driver.insert(r)));
    },
    latest: async (executionId) => {
      const found = await driver.latest(executionId);
      expectEqual("raw latest state size", (found?.state as BenchState | undefined)?.log.length, SEEDED_ENTRIES);
    },
    history: async (executionId, limit) => {
      expectEqual("raw history page size", await driver.newest(executionId, limit), limit);
    },
    saveNext: async (executionId) => {
      const last = lastSaved.get(executionId);
      const next = seededRow(executionId, (last?.version ?? 0) + 1, last?.id ?? null);
      await driver.insert(next);
      lastSaved.set(executionId, next);
    },
    cleanup: async (executionId) => {
      lastSaved.delete(executionId);
      await driver.clear(executionId);
    },
  };
}
