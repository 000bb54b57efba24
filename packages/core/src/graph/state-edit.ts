import type { Checkpoint } from "../checkpoint.js";
import { CheckpointNotFoundError, InvalidArgumentError } from "../errors.js";
import type { CheckpointStore } from "../store.js";
import { assertNonEmptyString } from "../validate.js";
import { saveEdit } from "./edit-save.js";
import { assertOptionsObject, assertStateUpdate } from "./inputs.js";
import { pausesOf, pendingStepOf, progressOf, updateKey, updateLanded } from "./tasks.js";

/**
 * An edit of a checkpoint's state written with the store alone, for tools that hold no graph (an inspector, a
 * script repairing data): the state is replaced whole, not merged through reducers, and saved as a new checkpoint
 * the way `updateState` saves one.
 *
 * @packageDocumentation
 */

/** Options of {@link saveStateEdit}. */
export interface StateEditOptions {
  /** The execution. */
  executionId: string;
  /** The checkpoint whose state is edited (default: the execution's latest; an older one makes a fork). */
  checkpointId?: string;
  /** The new state, whole (a plain object of state keys); it replaces the edited checkpoint's state. */
  state: Record<string, unknown>;
  /**
   * Makes a retry of the same edit a no-op, as `updateState`'s key does (default: derived from the edit and the
   * checkpoint it applies to).
   */
  idempotencyKey?: string;
}

/**
 * Saves `state` as a new checkpoint of the execution that continues `checkpointId` (or the latest): version the
 * execution's next, `parentId` the edited checkpoint, node `__update__`, `metadata.source` `"update"` on the latest
 * and `"fork"` on an older one. Like `updateState` without `asNode`, the edit keeps the step the edited checkpoint
 * waits in — its `next`, its pending pauses and what its tasks did — so resuming continues from there. Unlike it,
 * nothing goes through the graph's reducers: a list given whole replaces the list. Returns the checkpoint saved (or,
 * for a retry of an edit that landed, the one it wrote). Rejects with `CheckpointNotFoundError` when the execution
 * or the checkpoint (in that execution) does not exist.
 */
export async function saveStateEdit(store: CheckpointStore, options: StateEditOptions): Promise<Checkpoint> {
  assertOptionsObject("saveStateEdit", options);
  if (options === undefined) throw new InvalidArgumentError("saveStateEdit needs options { executionId, state }");
  const { executionId, checkpointId } = options;
  assertNonEmptyString("executionId", executionId);
  assertStateUpdate("saveStateEdit state", options.state);
  const latest = await store.latest(executionId);
  if (latest === undefined) throw new CheckpointNotFoundError({ executionId });
  const base = checkpointId === undefined ? latest : await store.load(checkpointId);
  if (base === undefined || base.executionId !== executionId) {
    throw new CheckpointNotFoundError({ executionId, ...(checkpointId === undefined ? {} : { checkpointId }) });
  }
  const key = updateKey(options.idempotencyKey, base, { replace: options.state });
  if (updateLanded(key, latest)) return latest;
  if (updateLanded(key, base)) return base;
  return saveEdit<Record<string, unknown>>({
    config: { store },
    executionId,
    base,
    latest,
    state: options.state,
    next: [...base.next],
    carried: { pauses: pausesOf(base), progress: progressOf(base), plan: pendingStepOf(base) },
    key,
  });
}
