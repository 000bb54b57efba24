import type { Checkpoint } from "../checkpoint.js";
import type { InterruptInfo, StateSnapshot } from "./types.js";

/** Presents a stored checkpoint as a {@link StateSnapshot}. */
export function toSnapshot<S>(cp: Checkpoint): StateSnapshot<S> {
  const interrupts = Array.isArray(cp.metadata.interrupts) ? (cp.metadata.interrupts as InterruptInfo[]) : [];
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
  return snapshot;
}
