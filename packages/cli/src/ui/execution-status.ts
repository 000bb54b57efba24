import { encodeValue, type CheckpointHeader, type CheckpointStore, type ExecutionSummary } from "@lg/core";
import { listCheckpointHeaders } from "@lg/core/store";

/**
 * What the executions list tells of each execution beyond its id and version, read from its newest checkpoint's
 * header (no state): where it stands and its metadata, which the search also looks in.
 *
 * @packageDocumentation
 */

/**
 * Where an execution stands by its newest checkpoint: `done` (nothing left to run), `paused` (a pause waits for a
 * human) or `unfinished` (steps left: running now, or stopped by a crash until resumed).
 */
export type ExecutionStatus = "done" | "paused" | "unfinished";

/** An execution as the inspector lists it. */
export interface InspectedExecution extends ExecutionSummary {
  /** Where it stands. */
  status: ExecutionStatus;
  /** The node that wrote its newest checkpoint. */
  node: string;
}

/** The status a checkpoint header shows. */
export function statusOf(header: CheckpointHeader): ExecutionStatus {
  if ((header.tasks?.interrupts?.length ?? 0) > 0) return "paused";
  return header.next.length === 0 ? "done" : "unfinished";
}

/** The newest checkpoint's header of an execution (no state read where the store lists headers). */
export async function newestHeader(store: CheckpointStore, executionId: string): Promise<CheckpointHeader | undefined> {
  const [header] = await listCheckpointHeaders(store, executionId, { order: "desc", limit: 1 });
  return header;
}

/** `summary` with the status and node of its newest checkpoint. */
export async function inspect(store: CheckpointStore, summary: ExecutionSummary): Promise<InspectedExecution> {
  const header = await newestHeader(store, summary.executionId);
  return {
    ...summary,
    status: header === undefined ? "done" : statusOf(header),
    node: header?.nodeName ?? "",
  };
}

/** The metadata of a header as lower-case JSON text, for a search to look in. */
export function searchableMetadata(header: CheckpointHeader | undefined): string {
  return header === undefined ? "" : JSON.stringify(encodeValue(header.metadata, "metadata")).toLowerCase();
}
