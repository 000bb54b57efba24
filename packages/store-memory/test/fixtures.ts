import { randomUUID } from "node:crypto";
import { createCheckpointId, type Checkpoint } from "@lg/core";

/** A fresh execution id per test, so no test depends on another's data. */
export function newExecutionId(label = "exec"): string {
  return `${label}-${randomUUID()}`;
}

/** A valid checkpoint of `executionId` at `version`; `overrides` replace any field. */
export function makeCheckpoint(executionId: string, version: number, overrides: Partial<Checkpoint> = {}): Checkpoint {
  return {
    id: createCheckpointId(),
    executionId,
    nodeName: `node-${version}`,
    state: { count: version, items: [`item-${version}`] },
    metadata: { source: "loop", step: version, execution_id: executionId },
    timestamp: new Date(1_700_000_000_000 + version * 1000),
    version,
    next: ["next-node"],
    ...overrides,
  };
}

/** Versions of a list result, in the order returned. */
export function versionsOf(checkpoints: readonly Checkpoint[]): number[] {
  return checkpoints.map((cp) => cp.version);
}
