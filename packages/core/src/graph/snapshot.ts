import type { Checkpoint } from "../checkpoint.js";
import { pausesOf, storedTaskResults } from "./tasks.js";
import type { StateSnapshot } from "./types.js";

/** Presents a stored checkpoint as a {@link StateSnapshot}. */
export function toSnapshot<S>(cp: Checkpoint): StateSnapshot<S> {
  const interrupts = pausesOf(cp);
  const snapshot: StateSnapshot<S> = {
    values: cp.state as S,
    next: [...cp.next],
    executionId: cp.executionId,
    checkpointId: cp.id,
    version: cp.version,
    nodeName: cp.nodeName,
    metadata: cp.metadata,
    createdAt: cp.timestamp,
    interrupts,
  };
  if (cp.parentId !== undefined) snapshot.parentId = cp.parentId;
  const tasks = storedTaskResults(cp);
  if (tasks !== undefined) snapshot.tasks = tasks;
  return snapshot;
}
