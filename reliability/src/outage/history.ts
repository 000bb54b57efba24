import type { Checkpoint, CheckpointStore } from "@lg/core";
import { encodeValue, jsonEqual } from "@lg/core/store";

/** What a history check found; `problems` is empty when the history is whole. */
export interface HistoryReport {
  /** Versions stored for the execution, ascending. */
  versions: number[];
  /** Each way in which the history is not whole, in words. */
  problems: string[];
}

/** Equal once encoded, whatever the key order (PostgreSQL's JSONB reorders keys). */
function same(a: unknown, b: unknown): boolean {
  return jsonEqual(encodeValue(a), encodeValue(b));
}

/** The parts of a checkpoint that must match the uninterrupted run's checkpoint of the same version. */
function essence(cp: Checkpoint): unknown {
  return { version: cp.version, nodeName: cp.nodeName, next: cp.next, state: cp.state };
}

/**
 * Checks that an execution's stored history has no partial checkpoint: versions contiguous from 1, the latest one
 * loads by id and equals the last one listed, and every checkpoint equals (state, next, node) the checkpoint of the
 * same version of `reference`, an uninterrupted run of the same graph.
 */
export async function checkHistory(
  store: CheckpointStore,
  executionId: string,
  reference: readonly Checkpoint[],
): Promise<HistoryReport> {
  const stored = await store.list(executionId);
  const versions = stored.map((cp) => cp.version);
  const problems: string[] = [];
  if (stored.length === 0) problems.push("no checkpoint stored");
  versions.forEach((version, index) => {
    if (version !== index + 1) problems.push(`version ${version} at position ${index + 1} (not contiguous)`);
  });
  const last = stored[stored.length - 1];
  if (last !== undefined) {
    const latest = await store.latest(executionId);
    const loaded = await store.load(last.id);
    if (!same(latest, last)) problems.push("latest() differs from the last listed checkpoint");
    if (!same(loaded, last)) problems.push(`load(${last.id}) differs from the listed checkpoint`);
  }
  for (const cp of stored) {
    const twin = reference.find((r) => r.version === cp.version);
    if (twin === undefined) problems.push(`version ${cp.version} is beyond the uninterrupted run's history`);
    else if (!same(essence(cp), essence(twin))) {
      problems.push(`version ${cp.version} differs from the uninterrupted run's: ${JSON.stringify(essence(cp))}`);
    }
  }
  return { versions, problems };
}
