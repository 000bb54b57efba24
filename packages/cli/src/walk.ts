import type {
  Checkpoint,
  CheckpointStore,
  ExecutionPage,
  ExecutionSummary,
  ListOptions,
  SerializedCheckpoint,
} from "@lg/core";
import { serializeCheckpoint } from "@lg/core/store";
import { CheckpointIdNotFoundError, ExecutionNotFoundError } from "./errors.js";

/**
 * Reading a store page by page, with the next page requested while the current one is consumed: memory stays
 * bounded by two pages whatever the store holds, and a server's round trip overlaps the caller's work.
 *
 * @packageDocumentation
 */

/** Default number of checkpoints or executions per page. */
export const DEFAULT_PAGE_SIZE = 500;

/**
 * A read started ahead of its use, marked as handled: when it fails while the caller is still busy with the page
 * before (writing it out, say), the failure waits for the caller's `await` instead of ending the process as an
 * unhandled rejection. The caller still gets it there.
 */
function settledLater<T>(read: Promise<T>): Promise<T> {
  read.catch(() => undefined);
  return read;
}

/** Every execution summary of the store, in the store's order (execution id, code point order). */
export async function* walkExecutions(
  store: CheckpointStore,
  pageSize = DEFAULT_PAGE_SIZE,
): AsyncGenerator<ExecutionSummary> {
  let next: ReturnType<CheckpointStore["listExecutions"]> | undefined = store.listExecutions({ limit: pageSize });
  while (next !== undefined) {
    const page: ExecutionPage = await next;
    next =
      page.nextCursor === undefined
        ? undefined
        : settledLater(store.listExecutions({ limit: pageSize, cursor: page.nextCursor }));
    yield* page.executions;
  }
}

/** Pages of one execution, oldest version first: `fetch(afterVersion)` reads the page after a version. */
async function* versionPages<T extends { version: number }>(
  fetch: (afterVersion: number | undefined) => Promise<T[]>,
  pageSize: number,
): AsyncGenerator<T[]> {
  let next: Promise<T[]> | undefined = fetch(undefined);
  while (next !== undefined) {
    const page: T[] = await next;
    const last = page[page.length - 1];
    next = page.length < pageSize || last === undefined ? undefined : settledLater(fetch(last.version));
    if (page.length > 0) yield page;
  }
}

/** The items of `pages`, one at a time. */
async function* itemsOf<T>(pages: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const page of pages) yield* page;
}

const pageOptions = (pageSize: number, afterVersion: number | undefined): ListOptions =>
  afterVersion === undefined ? { limit: pageSize } : { limit: pageSize, afterVersion };

/** The checkpoints of one execution, oldest version first, fetched `pageSize` at a time. */
export function walkExecution(
  store: CheckpointStore,
  executionId: string,
  pageSize = DEFAULT_PAGE_SIZE,
): AsyncGenerator<Checkpoint> {
  return itemsOf(versionPages((after) => store.list(executionId, pageOptions(pageSize, after)), pageSize));
}

/**
 * As {@link walkExecution}, each checkpoint as the JSON text of its encoded form: through the store's
 * `listSerialized` (no state decoded), or `serializeCheckpoint` of what `list` returns on a store without it.
 */
export function walkSerialized(
  store: CheckpointStore,
  executionId: string,
  pageSize = DEFAULT_PAGE_SIZE,
): AsyncGenerator<SerializedCheckpoint> {
  return itemsOf(serializedPages(store, executionId, pageSize));
}

/** As {@link walkSerialized}, a page at a time (never an empty one). */
export function serializedPages(
  store: CheckpointStore,
  executionId: string,
  pageSize: number,
): AsyncGenerator<SerializedCheckpoint[]> {
  const listSerialized = store.listSerialized;
  if (typeof listSerialized !== "function") {
    const serialize = (cp: Checkpoint): SerializedCheckpoint => ({
      id: cp.id,
      version: cp.version,
      text: serializeCheckpoint(cp),
    });
    return versionPages(
      async (after) => (await store.list(executionId, pageOptions(pageSize, after))).map(serialize),
      pageSize,
    );
  }
  return versionPages((after) => listSerialized.call(store, executionId, pageOptions(pageSize, after)), pageSize);
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
export function walkCheckpoints(store: CheckpointStore, options: WalkOptions = {}): AsyncGenerator<Checkpoint> {
  return walkEach(store, options, walkExecution);
}

/** As {@link walkCheckpoints}, each checkpoint as JSON text (see {@link walkSerialized}). */
export function walkSerializedCheckpoints(
  store: CheckpointStore,
  options: WalkOptions = {},
): AsyncGenerator<SerializedCheckpoint> {
  return itemsOf(walkSerializedPages(store, options));
}

/**
 * As {@link walkSerializedCheckpoints}, a page at a time: a caller handling many small items (an export) saves
 * one asynchronous step per checkpoint.
 */
export function walkSerializedPages(
  store: CheckpointStore,
  options: WalkOptions = {},
): AsyncGenerator<SerializedCheckpoint[]> {
  return walkEach(store, options, serializedPages);
}

/** Runs `walkOne` over the execution of `options` (which must exist) or every execution of the store. */
async function* walkEach<T>(
  store: CheckpointStore,
  options: WalkOptions,
  walkOne: (store: CheckpointStore, executionId: string, pageSize: number) => AsyncGenerator<T>,
): AsyncGenerator<T> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (options.executionId !== undefined) {
    await assertExecutionExists(store, options.executionId);
    yield* walkOne(store, options.executionId, pageSize);
    return;
  }
  for await (const execution of walkExecutions(store, pageSize)) {
    yield* walkOne(store, execution.executionId, pageSize);
  }
}

/** Loads a checkpoint by id; rejects with {@link CheckpointIdNotFoundError} when there is none. */
export async function loadCheckpoint(store: CheckpointStore, checkpointId: string): Promise<Checkpoint> {
  const checkpoint = await store.load(checkpointId);
  if (checkpoint === undefined) throw new CheckpointIdNotFoundError(checkpointId);
  return checkpoint;
}
