/**
 * The text of a serialized checkpoint (`serializeCheckpoint`'s layout) assembled from a stored row whose JSON
 * columns are still text: what a store's `listSerialized` hands out without parsing or walking any state.
 *
 * @packageDocumentation
 */

/** One stored checkpoint with its JSON parts as text, as a row holds them. */
export interface StoredCheckpointText {
  /** Checkpoint id. */
  id: string;
  /** Execution id. */
  executionId: string;
  /** Node name. */
  nodeName: string;
  /** JSON text of the encoded state. */
  state: string;
  /** JSON text of the encoded metadata; `null` reads as `{}`. */
  metadata: string | null;
  /** Creation time in milliseconds since the Unix epoch. */
  timestamp: number;
  /** Version within the execution. */
  version: number;
  /** Parent checkpoint id, or `null`. */
  parentId: string | null;
  /** JSON text of the array of next nodes. */
  next: string;
  /** JSON text of the encoded task results, or `null` when there are none. */
  tasks: string | null;
}

/**
 * Splices a stored row's fields into the JSON text of its encoded checkpoint, which `deserializeCheckpoint` reads.
 * The JSON columns are pasted as they are: the caller vouches that each is valid JSON (checked by the backend, or
 * a type that cannot hold anything else, like PostgreSQL's JSONB).
 */
export function serializedCheckpointText(row: StoredCheckpointText): string {
  const parentId = row.parentId === null ? "null" : JSON.stringify(row.parentId);
  return (
    `{"id":${JSON.stringify(row.id)},"executionId":${JSON.stringify(row.executionId)},` +
    `"nodeName":${JSON.stringify(row.nodeName)},"state":${row.state},"metadata":${row.metadata ?? "{}"},` +
    `"timestamp":${row.timestamp},"version":${row.version},"parentId":${parentId},"next":${row.next},` +
    `"tasks":${row.tasks ?? "null"}}`
  );
}
