import { randomUUID } from "node:crypto";
import type { Contestant } from "../harness.js";
import { rawCheckpointOps, rawGraphs } from "../raw/floor.js";
import type { SystemColumn } from "../results.js";
import type { Subjects } from "../subjects.js";
import { langGraphCheckpointOps, langGraphGraphs } from "../systems/langgraph.js";
import { lgCheckpointOps, lgGraphs } from "../systems/lg.js";
import type { CheckpointOps, GraphRunner, GraphShapes, NodeStartHook } from "../systems/types.js";

/** A column of the results, or one of the no-checkpointer baselines the per-step overhead is computed against. */
export type RunnerKey = SystemColumn | "lgNone" | "langgraphNone";

/** The graph runners of every system available on a backend; baselines run without any checkpointer. */
export function graphRunners(
  subjects: Subjects,
  shapes: GraphShapes,
  onNode: NodeStartHook,
  withBaselines: boolean,
): Map<RunnerKey, GraphRunner> {
  const runners = new Map<RunnerKey, GraphRunner>();
  runners.set("lg", lgGraphs(shapes, subjects.lg, onNode));
  if (subjects.langgraph !== undefined) {
    runners.set("langgraph", langGraphGraphs(shapes, subjects.langgraph, "sync", onNode));
    runners.set("langgraphAsync", langGraphGraphs(shapes, subjects.langgraph, "async", onNode));
  }
  runners.set("raw", rawGraphs(shapes, subjects.raw, onNode));
  if (withBaselines) {
    runners.set("lgNone", lgGraphs(shapes, undefined, onNode));
    if (subjects.langgraph !== undefined)
      runners.set("langgraphNone", langGraphGraphs(shapes, undefined, "sync", onNode));
  }
  return runners;
}

/** The direct checkpoint operations of every system available on a backend (durability plays no part here). */
export function checkpointOps(subjects: Subjects): Map<SystemColumn, CheckpointOps> {
  const ops = new Map<SystemColumn, CheckpointOps>();
  ops.set("lg", lgCheckpointOps(subjects.lg));
  if (subjects.langgraph !== undefined) ops.set("langgraph", langGraphCheckpointOps(subjects.langgraph));
  ops.set("raw", rawCheckpointOps(subjects.raw));
  return ops;
}

/** A fresh execution (thread) id. */
export function newExecutionId(): string {
  return `bench-${randomUUID()}`;
}

/**
 * A contestant that runs `body` on a fresh execution id per iteration and deletes that execution's checkpoints
 * afterwards, outside the measured time (so every iteration starts from the same table size).
 */
export function freshExecutionContestant(
  name: string,
  body: (executionId: string) => Promise<void>,
  cleanup: (executionId: string) => Promise<void>,
  onMeasured?: () => void,
): Contestant {
  let current = "";
  return {
    name,
    run: async () => {
      current = newExecutionId();
      await body(current);
    },
    afterEach: async (measured) => {
      if (measured) onMeasured?.();
      await cleanup(current);
    },
  };
}
