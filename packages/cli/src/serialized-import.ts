import type { CheckpointConflictError, CheckpointStore, SerializedCheckpoint } from "@lg/core";
import { messageOf } from "@lg/core";
import { BackupLineError, errorCode, RestoreConflictError } from "./errors.js";
import type { SaveOrigin } from "./save-pool.js";

/**
 * Saving backup lines' checkpoint texts with a store's `saveSerialized`, naming the line a refused batch failed on:
 * shared by `import` in one thread and by the threads of a parallel import.
 *
 * @packageDocumentation
 */

/** One backup line, decoded by the reader's `decode`. */
export interface BackupEntry<T> {
  value: T;
  line: number;
}

// Failures that belong to one item: a refused batch is saved again item by item to tell which line it was.
const ITEM_ERRORS = new Set([
  "LG_CHECKPOINT_CONFLICT",
  "LG_INVALID_ARGUMENT",
  "LG_SERIALIZATION",
  "LG_CHECKPOINT_CORRUPT",
]);

/** Says which line a save failed on: a conflict, or a checkpoint the store refuses as malformed or corrupt. */
export function mapSaveError(error: unknown, origin: SaveOrigin): unknown {
  const code = errorCode(error);
  if (code === "LG_CHECKPOINT_CONFLICT")
    return new RestoreConflictError(origin.label, error as CheckpointConflictError);
  if (origin.line !== undefined && code === "LG_CHECKPOINT_CORRUPT") {
    const id = (error as { checkpointId?: unknown }).checkpointId;
    return new BackupLineError(origin.line, messageOf(error), typeof id === "string" ? id : undefined, {
      cause: error,
    });
  }
  if (origin.line !== undefined && (code === "LG_INVALID_ARGUMENT" || code === "LG_SERIALIZATION")) {
    return new BackupLineError(origin.line, messageOf(error), undefined, { cause: error });
  }
  return error;
}

/** One `saveSerialized` call; a batch refused because of an item is saved again line by line to name the line. */
export async function saveTexts(store: CheckpointStore, entries: readonly BackupEntry<string>[]): Promise<void> {
  const save = (items: readonly BackupEntry<string>[]): Promise<void> =>
    store.saveSerialized?.(items.map(serializedItem)) ?? Promise.resolve();
  try {
    await save(entries);
    return;
  } catch (error) {
    if (!ITEM_ERRORS.has(errorCode(error) ?? "")) throw error;
  }
  for (const entry of entries) {
    try {
      await save([entry]);
    } catch (error) {
      throw mapSaveError(error, { label: `backup line ${entry.line}`, line: entry.line });
    }
  }
}

/** The item `saveSerialized` takes for a line's text; the text is not parsed, so id and version are not known. */
function serializedItem(entry: BackupEntry<string>): SerializedCheckpoint {
  return { id: "", version: 0, text: entry.value };
}
