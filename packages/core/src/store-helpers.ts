import type { Checkpoint, CheckpointHeader, ListOptions, PruneOptions, SerializedCheckpoint } from "./checkpoint.js";
import { deserializeCheckpoint } from "./codec.js";
import type { CheckpointStore } from "./store.js";
import { validatePruneOptions } from "./validate.js";

/** What prune needs to know of a stored checkpoint. */
export interface PruneCandidate {
  /** Checkpoint id. */
  id: string;
  /** Version within its execution. */
  version: number;
  /** Creation time in milliseconds since the Unix epoch. */
  timestamp: number;
}

/**
 * Applies {@link ListOptions} to an execution's checkpoints already sorted by ascending version: filters by
 * `afterVersion`/`beforeVersion`, orders, then limits. For stores that keep an in-process sorted index.
 */
export function applyListOptions<T extends { version: number }>(
  ascending: readonly T[],
  options: ListOptions = {},
): T[] {
  const { afterVersion, beforeVersion, limit, order = "asc" } = options;
  let from = 0;
  let to = ascending.length;
  if (afterVersion !== undefined) from = lowerBound(ascending, afterVersion + 1);
  if (beforeVersion !== undefined) to = Math.max(from, lowerBound(ascending, beforeVersion));
  if (order === "desc") {
    const start = limit === undefined ? from : Math.max(from, to - limit);
    return ascending.slice(start, to).reverse();
  }
  return ascending.slice(from, limit === undefined ? to : Math.min(to, from + limit));
}

/** Index of the first element whose version is `>= version` (binary search). */
function lowerBound(ascending: readonly { version: number }[], version: number): number {
  let lo = 0;
  let hi = ascending.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ascending[mid] as { version: number }).version < version) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Chooses which checkpoints {@link PruneOptions} delete, given an execution's checkpoints sorted by ascending
 * version. The newest checkpoint and protected ids always stay; a checkpoint goes only when it is outside the
 * newest `keepLast` (if given) and older than `olderThan` (if given).
 */
export function selectPruneVictims(ascending: readonly PruneCandidate[], options: PruneOptions): string[] {
  validatePruneOptions(options);
  const keep = Math.max(1, options.keepLast ?? 1);
  const cutoff = options.olderThan?.getTime();
  const protect = new Set(options.protect ?? []);
  const victims: string[] = [];
  const end = ascending.length - keep;
  for (let i = 0; i < end; i++) {
    const cp = ascending[i] as PruneCandidate;
    if (protect.has(cp.id)) continue;
    if (cutoff !== undefined && cp.timestamp >= cutoff) continue;
    victims.push(cp.id);
  }
  return victims;
}

/**
 * Prunes one execution through any store: uses the store's native `prune` when it has one, otherwise lists the
 * execution and deletes what {@link selectPruneVictims} chooses. Returns the number of checkpoints deleted.
 */
export async function pruneCheckpoints(
  store: CheckpointStore,
  executionId: string,
  options: PruneOptions,
): Promise<number> {
  if (typeof store.prune === "function") return store.prune(executionId, options);
  validatePruneOptions(options);
  const all = await listCheckpointHeaders(store, executionId);
  const victims = selectPruneVictims(
    all.map((cp) => ({ id: cp.id, version: cp.version, timestamp: cp.timestamp.getTime() })),
    options,
  );
  for (const id of victims) await store.delete(id);
  return victims.length;
}

/** A copy of `cp` without its state: what `listHeaders` hands out for it. */
export function checkpointHeader(cp: Checkpoint): CheckpointHeader {
  const header: Partial<Checkpoint> = { ...cp };
  delete header.state;
  return header as CheckpointHeader;
}

/**
 * An execution's checkpoints without their states, as `list` orders them: from `listHeaders` when the store has it
 * (the states are not read), otherwise from `list` with the states dropped.
 */
export async function listCheckpointHeaders(
  store: CheckpointStore,
  executionId: string,
  options?: ListOptions,
): Promise<CheckpointHeader[]> {
  if (typeof store.listHeaders === "function") return store.listHeaders(executionId, options);
  return (await store.list(executionId, options)).map(checkpointHeader);
}

/**
 * Saves checkpoints through any store: one `saveMany` call (all or nothing) when the store has it, otherwise `save`
 * one checkpoint at a time in order, which stops at the first failure with the checkpoints before it saved.
 */
export async function saveCheckpoints(store: CheckpointStore, checkpoints: readonly Checkpoint[]): Promise<void> {
  if (typeof store.saveMany === "function") {
    await store.saveMany(checkpoints);
    return;
  }
  for (const checkpoint of checkpoints) await store.save(checkpoint);
}

/**
 * Saves checkpoints given as the JSON text of their encoded form (`listSerialized`'s items, a backup's lines)
 * through any store: one `saveSerialized` call when the store has it, otherwise each text is decoded with
 * `deserializeCheckpoint` (every one before anything is saved: a corrupt text rejects with its
 * `CheckpointCorruptError` and nothing written) and the checkpoints go to {@link saveCheckpoints}.
 */
export async function saveSerializedCheckpoints(
  store: CheckpointStore,
  items: readonly SerializedCheckpoint[],
): Promise<void> {
  if (typeof store.saveSerialized === "function") {
    await store.saveSerialized(items);
    return;
  }
  await saveCheckpoints(
    store,
    items.map((item) => deserializeCheckpoint(item.text)),
  );
}
