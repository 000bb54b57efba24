import type { Checkpoint, CheckpointStore, ExecutionPage, ExecutionSummary } from "@lg/core";
import { CheckpointIdNotFoundError, ExecutionNotFoundError } from "./errors.js";

/**
 * Reading a store page by page, with the next page requested while the current one is consumed: memory stays
 * bounded by two pages whatever the store holds, and a server's round trip overlaps the caller's work.
 *
 * @packageDocumentation
 */

/** Default number of checkpoints or executions per page. */
export const DEFAULT_PAGE_SIZE = 500;

/** Every execution summary of the store, in the store's order (execution id, code point order). */
export async function* walkExecutions(store: CheckpointStore, pageSize = DEFAULT_PAGE_SIZE): AsyncGenerator<ExecutionSummary> {
  let next: ReturnType<CheckpointStore["listExecutions"]> | undefined = store.listExecutions({ limit: pageSize });
  while (next !== undefined) {
    const page: ExecutionPage = await next;
    next = page.nextCursor === undefined ? undefined : store.listExecutions({ limit: pageSize, cursor: page.nextCursor });
    yield* page.executions;
  }
}

/** The checkpoints of one execution, oldest version first, fetched `pageSize` at a time. */
export async function* walkExecution(
  store: CheckpointStore,
  executionId: string,
  pageSize = DEFAULT_PAGE_SIZE,
): AsyncGenerator<Checkpoint> {
  const fetch = (afterVersion: number | undefined): Promise<Checkpoint[]> =>
    store.list(executionId, afterVersion === undefined ? { limit: pageSize } : { limit: pageSize, afterVersion });
  let next: Promise<Checkpoint[]> | undefined = fetch(undefined);
  while (next !== undefined) {
    const page: Checkpoint[] = await next;
    const last = page[page.length - 1];
    next = page.length < pageSize || last === undefined ? undefined : fetch(last.version);
    yield* page;
  }
}

/** Options of {@link walkCheckpoints}. */
export interface WalkOptions {
  /** Only this execution; {@link ExecutionNotFoundError} when it has no checkpoint. */
  executionId?: string;
  /** Checkpoints (and executions) per page. */
  pageSize?: number;
}

/** Throws {@link ExecutionNotFoundError} unless the execution has a checkpoint. */
export async function assertExecutionExists(store: CheckpointStore, executionId: string): Promise<void> {
  if ((await store.latest(executionId)) === undefined) throw new ExecutionNotFoundError(executionId);
}

/** Every checkpoint of the store (or of one execution): executions in the store's order, versions ascending. */
export async function* walkCheckpoints(store: CheckpointStore, options: WalkOptions = {}): AsyncGenerator<Checkpoint> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (options.executionId !== undefined) {
    await assertExecutionExists(store, options.executionId);
    yield* walkExecution(store, options.executionId, pageSize);
    return;
  }
  for await (const execution of walkExecutions(store, pageSize)) {
    yield* walkExecution(store, execution.executionId, pageSize);
  }
}

/** Loads a checkpoint by id; rejects with {@link CheckpointIdNotFoundError} when there is none. */
export async function loadCheckpoint(store: CheckpointStore, checkpointId: string): Promise<Checkpoint> {
  const checkpoint = await store.load(checkpointId);
  if (checkpoint === undefined) throw new CheckpointIdNotFoundError(checkpointId);
  return checkpoint;
}
