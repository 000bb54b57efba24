import type { EncodedCheckpoint, EncodedRowState } from "@lg/core/store";

/**
 * One stored row as the memory store indexes it: a checkpoint, or a hidden row kept because checkpoints saved as
 * changes still read through it. `header` and `row` are the store's private copies, never handed out or mutated;
 * readers get fresh objects decoded from them.
 */
export interface StoredEntry {
  /** Checkpoint id (key of the id index). */
  readonly id: string;
  /** Execution id (key of the per-execution index). */
  readonly executionId: string;
  /** Version within the execution; the sort key of the per-execution array. */
  readonly version: number;
  /** Creation time in epoch milliseconds, as `selectPruneVictims` expects it. */
  readonly timestamp: number;
  /** Every field of the checkpoint but its state, validated and encoded (its `state` is `null`). */
  readonly header: EncodedCheckpoint;
  /** Its state: whole (a full row) or what its step changed; replaced when a removed row is merged into it. */
  row: EncodedRowState;
  /** The row a change-only row reads through (absent on a full row); re-pointed when that row is merged away. */
  chainParent: string | undefined;
  /** No longer a checkpoint (deleted or pruned), kept because rows below read through it. */
  hidden: boolean;
}

/** Index of the first entry whose version is `>= version` in an array sorted by ascending version. */
export function lowerBoundByVersion(ascending: readonly StoredEntry[], version: number): number {
  let lo = 0;
  let hi = ascending.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ascending[mid] as StoredEntry).version < version) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The entry holding `version`, or `undefined`. Binary search. */
export function findByVersion(ascending: readonly StoredEntry[], version: number): StoredEntry | undefined {
  const candidate = ascending[lowerBoundByVersion(ascending, version)];
  return candidate !== undefined && candidate.version === version ? candidate : undefined;
}

/**
 * Inserts `entry` keeping the array sorted by version. The caller has checked that the version is free.
 * The runtime almost always appends (version = latest + 1), so that case skips the search; a fork, a restore or
 * a replication can deliver versions out of order, and those are placed by binary search.
 */
export function insertByVersion(ascending: StoredEntry[], entry: StoredEntry): void {
  const last = ascending[ascending.length - 1];
  if (last === undefined || last.version < entry.version) {
    ascending.push(entry);
    return;
  }
  ascending.splice(lowerBoundByVersion(ascending, entry.version), 0, entry);
}

/** Removes the entry holding `version` from the sorted array; returns whether one was removed. */
export function removeByVersion(ascending: StoredEntry[], version: number): boolean {
  const index = lowerBoundByVersion(ascending, version);
  if (ascending[index]?.version !== version) return false;
  ascending.splice(index, 1);
  return true;
}
