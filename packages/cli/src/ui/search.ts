import type { CheckpointStore, ExecutionSummary } from "@lg/core";
import { newerFirst, type ExecutionList, type ExecutionListOptions } from "../executions.js";
import { walkExecutions } from "../walk.js";
import { newestHeader, searchableMetadata } from "./execution-status.js";

/**
 * Execution search for the inspector: the store contract pages executions by id and has no text search, so the
 * inspector walks the executions and keeps the matches — by id, or by the metadata of the newest checkpoint (its
 * header only) — newest first: bounded memory (the page asked for), one pass.
 *
 * @packageDocumentation
 */

/**
 * The executions whose id, or whose newest checkpoint's metadata, contains `text` (case-insensitive), most recently
 * updated first, `limit` from `offset`; `total` counts every match.
 */
export async function searchExecutions(
  store: CheckpointStore,
  text: string,
  options: ExecutionListOptions = {},
): Promise<ExecutionList> {
  const limit = options.limit ?? 20;
  const offset = options.offset ?? 0;
  const needle = text.toLowerCase();
  const kept: ExecutionSummary[] = [];
  let total = 0;
  for await (const execution of walkExecutions(store)) {
    if (
      !execution.executionId.toLowerCase().includes(needle) &&
      !searchableMetadata(await newestHeader(store, execution.executionId)).includes(needle)
    )
      continue;
    total++;
    kept.push(execution);
    // Keep the window bounded: sort and cut once it doubles, so the cost stays linear in the executions walked.
    if (kept.length >= 2 * (offset + limit)) {
      kept.sort(newerFirst);
      kept.length = offset + limit;
    }
  }
  kept.sort(newerFirst);
  return { executions: kept.slice(offset, offset + limit), total, offset };
}
