import { type Checkpoint, type CheckpointStore } from "@lg/core";
import { serializeCheckpoint } from "@lg/core/store";
import { assertExecutionExists, walkExecution } from "./walk.js";

/**
 * `history`: an execution's checkpoints with their branch structure. A checkpoint continues its parent's branch
 * when it is the parent's first child; any later child of the same parent (a fork, `source: "fork"`) opens a new
 * branch, drawn as a lane of its own.
 *
 * @packageDocumentation
 */

/** One row of an execution's history. */
export interface HistoryEntry {
  /** Version within the execution. */
  version: number;
  /** Checkpoint id. */
  id: string;
  /** The node that produced it. */
  nodeName: string;
  /** When it was saved. */
  timestamp: Date;
  /** Bytes of its serialized form (what a store keeps, roughly). */
  size: number;
  /** Nodes to run next. */
  next: string[];
  /** The parent's id, if any. */
  parentId?: string;
  /** The parent's version, when the parent is still stored. */
  parentVersion?: number;
  /** Branch number: 0 for the main line, 1, 2 … for forks in the order they were made. */
  branch: number;
  /** True for the first checkpoint of a fork (a second child of its parent). */
  forkStart: boolean;
  /** `metadata.source`, when set. */
  source?: string;
}

/** An execution's history, newest first, with the number of branches. */
export interface History {
  /** The rows, newest first (at most `limit`). */
  entries: HistoryEntry[];
  /** Checkpoints the execution has. */
  total: number;
  /** Branches (1 when there are no forks). */
  branches: number;
  /** Per branch, the lowest and highest version it holds (to draw lanes). */
  spans: Array<{ first: number; last: number }>;
}

/** Options of {@link readHistory}. */
export interface HistoryOptions {
  /** Newest rows to return (default: all). */
  limit?: number;
  /** Only versions below this one (the next page of a limited listing). */
  beforeVersion?: number;
}

function entryOf(cp: Checkpoint, branch: number, forkStart: boolean, parentVersion: number | undefined): HistoryEntry {
  const entry: HistoryEntry = {
    version: cp.version,
    id: cp.id,
    nodeName: cp.nodeName,
    timestamp: cp.timestamp,
    size: Buffer.byteLength(serializeCheckpoint(cp)),
    next: cp.next,
    branch,
    forkStart,
  };
  if (cp.parentId !== undefined) entry.parentId = cp.parentId;
  if (parentVersion !== undefined) entry.parentVersion = parentVersion;
  if (typeof cp.metadata.source === "string") entry.source = cp.metadata.source;
  return entry;
}

/**
 * Reads an execution's history. Branches are assigned over the whole history (oldest first, as parents come
 * before their children), so memory grows with the execution's length; only the returned rows keep their details.
 * Rejects with `ExecutionNotFoundError` for an unknown execution.
 */
export async function readHistory(
  store: CheckpointStore,
  executionId: string,
  options: HistoryOptions = {},
): Promise<History> {
  await assertExecutionExists(store, executionId);
  const nodes = new Map<string, { version: number; branch: number; hasChild: boolean }>();
  const spans: Array<{ first: number; last: number }> = [];
  const rows: HistoryEntry[] = [];
  let total = 0;
  for await (const cp of walkExecution(store, executionId)) {
    total++;
    const parent = cp.parentId === undefined ? undefined : nodes.get(cp.parentId);
    const forkStart = parent !== undefined && parent.hasChild;
    // A parent that is no longer stored (pruned) and is not the oldest remaining row's: a fork from a pruned point.
    const orphan = parent === undefined && cp.parentId !== undefined && spans.length > 0;
    const branch = forkStart || orphan ? spans.length : (parent?.branch ?? 0);
    if (parent !== undefined) parent.hasChild = true;
    nodes.set(cp.id, { version: cp.version, branch, hasChild: false });
    const span = spans[branch];
    // A fork's lane is drawn from just above its fork point, so the eye can follow it back to its parent.
    if (span === undefined)
      spans[branch] = { first: forkStart && parent !== undefined ? parent.version + 1 : cp.version, last: cp.version };
    else span.last = cp.version;
    if (options.beforeVersion === undefined || cp.version < options.beforeVersion) {
      rows.push(entryOf(cp, branch, forkStart, parent?.version));
      if (options.limit !== undefined && rows.length > options.limit) rows.shift();
    }
  }
  return { entries: rows.reverse(), total, branches: Math.max(1, spans.length), spans };
}
