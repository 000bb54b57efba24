import type { CheckpointConflictError, CheckpointStore } from "@lg/core";
import { CopyCountMismatchError, errorCode, RestoreConflictError } from "./errors.js";
import { SavePool, type SaveOrigin } from "./save-pool.js";
import { DEFAULT_PAGE_SIZE, walkCheckpoints, walkSerialized } from "./walk.js";

/**
 * `copy`: migrates checkpoints from one store to another (SQLite → PostgreSQL, say) through the public contract,
 * then checks the counts. Saves are idempotent, so a copy interrupted halfway is finished by running it again.
 *
 * @packageDocumentation
 */

/** Options of {@link copyCheckpoints}. */
export interface CopyOptions {
  /** Only this execution. */
  executionId?: string;
  /** Saves in flight at once (default 16) on a store without `saveMany`. */
  concurrency?: number;
  /** Checkpoints read per page. */
  pageSize?: number;
  /** Called every `progressEvery` checkpoints and at the end. */
  onProgress?: (progress: CopyProgress) => void;
  /** Checkpoints between two `onProgress` calls (default 1000). */
  progressEvery?: number;
}

/** Totals of a copy. */
export interface CopyProgress {
  /** Checkpoints read from the source and saved into the target (already present ones included). */
  checkpoints: number;
  /** Executions copied. */
  executions: number;
  /** Executions whose count was checked in the target after the copy. */
  verified: number;
}

function mapCopyError(error: unknown, origin: SaveOrigin): unknown {
  if (errorCode(error) === "LG_CHECKPOINT_CONFLICT") {
    return new RestoreConflictError(origin.label, error as CheckpointConflictError);
  }
  return error;
}

/** Counts an execution's checkpoints in a store, page by page (as text: nothing is decoded on a store with listSerialized). */
async function countExecution(store: CheckpointStore, executionId: string, pageSize: number): Promise<number> {
  let count = 0;
  for await (const _checkpoint of walkSerialized(store, executionId, pageSize)) count++;
  return count;
}

/**
 * Copies every checkpoint of `from` (or of one execution) into `to`, then checks, execution by execution, that
 * `to` holds at least as many checkpoints as were read. Rejects with `RestoreConflictError` when `to` holds another
 * checkpoint at the same execution and version, and with `CopyCountMismatchError` when a count comes up short.
 * Memory grows with the number of executions (one counter each), not with the number of checkpoints.
 */
export async function copyCheckpoints(
  from: CheckpointStore,
  to: CheckpointStore,
  options: CopyOptions = {},
): Promise<CopyProgress> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const every = options.progressEvery ?? 1000;
  const progress: CopyProgress = { checkpoints: 0, executions: 0, verified: 0 };
  const counts = new Map<string, number>();
  const pool = new SavePool(to, { concurrency: options.concurrency ?? 16, mapError: mapCopyError });
  try {
    for await (const checkpoint of walkCheckpoints(from, { executionId: options.executionId, pageSize })) {
      await pool.add(checkpoint, { label: `checkpoint ${checkpoint.id}` });
      counts.set(checkpoint.executionId, (counts.get(checkpoint.executionId) ?? 0) + 1);
      progress.checkpoints++;
      progress.executions = counts.size;
      if (progress.checkpoints % every === 0) options.onProgress?.(progress);
    }
  } finally {
    await pool.drain().catch(() => undefined);
  }
  await pool.drain();
  const short: { executionId: string; source: number; target: number }[] = [];
  for (const [executionId, source] of counts) {
    const target = await countExecution(to, executionId, pageSize);
    if (target < source) short.push({ executionId, source, target });
    progress.verified++;
  }
  options.onProgress?.(progress);
  if (short.length > 0) throw new CopyCountMismatchError(short);
  return progress;
}
