import type { CheckpointStore, ExecutionSummary } from "@lg/core";
import { walkExecutions } from "./walk.js";

/**
 * `executions`: the store's executions, most recently updated first. The contract pages executions by id, so the
 * newest-first order is computed while paging through all of them, keeping only the rows of the requested page.
 *
 * @packageDocumentation
 */

/** Options of {@link listExecutionsNewestFirst}. */
export interface ExecutionListOptions {
  /** Rows per page (default 20). */
  limit?: number;
  /** Rows to skip: `(page - 1) * limit` (default 0). */
  offset?: number;
}

/** One page of executions, newest first, and the number of executions in the store. */
export interface ExecutionList {
  /** The rows of the page. */
  executions: ExecutionSummary[];
  /** Executions in the store. */
  total: number;
  /** The offset of this page. */
  offset: number;
}

/** Newest first; ties by execution id so that pages never overlap. */
export function newerFirst(a: ExecutionSummary, b: ExecutionSummary): number {
  const byTime = b.updatedAt.getTime() - a.updatedAt.getTime();
  return byTime !== 0 ? byTime : a.executionId < b.executionId ? -1 : a.executionId > b.executionId ? 1 : 0;
}

/**
 * Lists executions most recently updated first, `limit` rows from `offset`. Memory is bounded by
 * `offset + limit` rows (a sorted window), not by the number of executions.
 */
export async function listExecutionsNewestFirst(
  store: CheckpointStore,
  options: ExecutionListOptions = {},
): Promise<ExecutionList> {
  const limit = options.limit ?? 20;
  const offset = options.offset ?? 0;
  const window: ExecutionSummary[] = [];
  const size = offset + limit;
  let total = 0;
  for await (const execution of walkExecutions(store)) {
    total++;
    const last = window[window.length - 1];
    if (window.length >= size && last !== undefined && newerFirst(execution, last) >= 0) continue;
    // Insert in order (binary search), then drop the oldest row past the window.
    let lo = 0;
    let hi = window.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (newerFirst(window[mid] as ExecutionSummary, execution) <= 0) lo = mid + 1;
      else hi = mid;
    }
    window.splice(lo, 0, execution);
    if (window.length > size) window.pop();
  }
  return { executions: window.slice(offset), total, offset };
}
