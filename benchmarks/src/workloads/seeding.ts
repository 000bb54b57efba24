import type { SystemColumn } from "../results.js";
import type { CheckpointOps } from "../systems/types.js";
import { newExecutionId } from "./runners.js";

/** Per system, the id of an execution seeded with each history length. */
export type SeededExecutions = Map<SystemColumn, Map<number, string>>;

/**
 * Seeds, for every system, one execution per history length (versions 1..n, ~1 KB of state each), written
 * directly through the store so that 10,000 checkpoints take seconds rather than a 10,000-step run.
 */
export async function seedExecutions(
  ops: Map<SystemColumn, CheckpointOps>,
  sizes: readonly number[],
): Promise<SeededExecutions> {
  const seeded: SeededExecutions = new Map();
  for (const [key, op] of ops) {
    const bySize = new Map<number, string>();
    seeded.set(key, bySize);
    for (const size of sizes) {
      const id = newExecutionId();
      bySize.set(size, id);
      await op.seed(id, size);
    }
  }
  return seeded;
}

/** Deletes the seeded executions. */
export async function removeSeeded(ops: Map<SystemColumn, CheckpointOps>, seeded: SeededExecutions): Promise<void> {
  for (const [key, bySize] of seeded) {
    for (const id of bySize.values()) await ops.get(key)?.cleanup(id);
  }
}
