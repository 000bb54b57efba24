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

/** Something updated at a time: an execution summary, a registry record. */
export interface UpdatedRow {
  /** The execution id. */
  executionId: string;
  /** When it last changed. */
  updatedAt: Date;
}

/** Newest first; ties by execution id so that pages never overlap. */
export function newerFirst(a: UpdatedRow, b: UpdatedRow): number {
  const byTime = b.updatedAt.getTime() - a.updatedAt.getTime();
  return byTime !== 0 ? byTime : a.executionId < b.executionId ? -1 : a.executionId > b.executionId ? 1 : 0;
}

/**
 * The rows `offset` to `offset + limit` of `items` in the order of `compare`, and how many items there were. Memory
 * is bounded by `offset + limit` rows (a sorted window), not by the number of items.
 */
export async function sortedWindow<T>(
  items: AsyncIterable<T>,
  compare: (a: T, b: T) => number,
  limit: number,
  offset: number,
): Promise<{ rows: T[]; total: number }> {
  const window: T[] = [];
  const size = offset + limit;
  let total = 0;
  for await (const item of items) {
    total++;
    const last = window[window.length - 1];
    if (window.length >= size && last !== undefined && compare(item, last) >= 0) continue;
    // Insert in order (binary search), then drop the last row past the window.
    let lo = 0;
    let hi = window.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(window[mid] as T, item) <= 0) lo = mid + 1;
      else hi = mid;
    }
    window.splice(lo, 0, item);
    if (window.length > size) window.pop();
  }
  return { rows: window.slice(offset), total };
}

/** One page of `items` most recently updated first, by the page options (`limit` default 20, `offset` default 0). */
export async function pageNewestFirst<T extends UpdatedRow>(
  items: AsyncIterable<T>,
  options: ExecutionListOptions,
): Promise<{ rows: T[]; total: number; offset: number }> {
  const offset = options.offset ?? 0;
  const { rows, total } = await sortedWindow(items, newerFirst, options.limit ?? 20, offset);
  return { rows, total, offset };
}

/** Lists executions most recently updated first, `limit` rows from `offset` (see {@link sortedWindow}). */
export async function listExecutionsNewestFirst(
  store: CheckpointStore,
  options: ExecutionListOptions = {},
): Promise<ExecutionList> {
  const { rows, total, offset } = await pageNewestFirst(walkExecutions(store), options);
  return { executions: rows, total, offset };
}
