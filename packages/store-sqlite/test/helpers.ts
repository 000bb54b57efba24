import { createCheckpointId, type Checkpoint } from "@lg/core";
import { serializeCheckpoint } from "@lg/core/store";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh directory under the OS temp dir; `remove()` deletes it with everything inside. */
export interface TempDir {
  dir: string;
  file(name?: string): string;
  remove(): void;
}

/** Creates a fresh `lg-store-sqlite-*` directory under the OS temp dir. */
export function makeTempDir(): TempDir {
  const dir = mkdtempSync(join(tmpdir(), "lg-store-sqlite-"));
  return {
    dir,
    file: (name = "checkpoints.db") => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** An execution id no other test uses: `prefix` followed by a new checkpoint id. */
export function randomExecutionId(prefix = "exec"): string {
  return `${prefix}-${createCheckpointId()}`;
}

/** A valid checkpoint; pass overrides for what the test is about. */
export function makeCheckpoint(overrides: Partial<Checkpoint> = {}): Checkpoint {
  const executionId = overrides.executionId ?? randomExecutionId();
  return {
    id: createCheckpointId(),
    executionId,
    nodeName: "node",
    state: { steps: ["a"], count: 1 },
    metadata: { source: "loop", step: 1, execution_id: executionId },
    timestamp: new Date(),
    version: 1,
    next: ["b"],
    ...overrides,
  };
}

/** Saves versions 1..count of one execution and returns them. */
export function history(executionId: string, count: number, start = Date.now() - count * 1000): Checkpoint[] {
  const out: Checkpoint[] = [];
  for (let version = 1; version <= count; version++) {
    out.push(
      makeCheckpoint({
        executionId,
        version,
        timestamp: new Date(start + version * 1000),
        state: { version },
        ...(version > 1 ? { parentId: out[version - 2]?.id } : {}),
      }),
    );
  }
  return out;
}

/** A checkpoint's text with `stateText` (a JSON text) as its state, written as the serializer lays a checkpoint out. */
export function textWithState(cp: Checkpoint, stateText: string): string {
  return serializeCheckpoint({ ...cp, state: "STATE" }).replace('"state":"STATE"', `"state":${stateText}`);
}
