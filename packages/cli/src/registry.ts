import {
  EXECUTION_STATUSES,
  InvalidArgumentError,
  type CheckpointStore,
  type ExecutionRecord,
  type ExecutionRegistry,
  type ExecutionStatus,
} from "@lg/core";
import { ExecutionNotFoundError, isMissingTable, RegistryMissingError } from "./errors.js";
import { pageNewestFirst, type ExecutionListOptions } from "./executions.js";

/**
 * The execution registry as the CLI reads it: statuses by name, records newest first a page at a time, the record
 * of each listed execution, and cancelling one. Every function uses the public `ExecutionRegistry` contract only.
 *
 * @packageDocumentation
 */

/** Records read from the registry per call while paging through it. */
const RECORD_PAGE_SIZE = 500;

/**
 * Runs `action` on the store's registry for the command `what`. A store without a registry, or a PostgreSQL
 * database whose registry table was never created (the CLI's read commands run no migrations), is a
 * `RegistryMissingError`.
 */
export async function withRegistry<T>(
  store: CheckpointStore,
  display: string,
  what: string,
  action: (registry: ExecutionRegistry) => Promise<T>,
): Promise<T> {
  if (store.registry === undefined) throw new RegistryMissingError(display, what);
  try {
    return await action(store.registry);
  } catch (error) {
    if (isMissingTable(error)) throw new RegistryMissingError(display, what, { notSetUp: true });
    throw error;
  }
}

/**
 * Runs `action` on the store's registry when there is one to read: `undefined` for a store without a registry or
 * without its table, so that commands which only add the registry's columns work on such a store as before.
 */
export async function readRegistry<T>(
  store: CheckpointStore,
  action: (registry: ExecutionRegistry) => Promise<T>,
): Promise<T | undefined> {
  if (store.registry === undefined) return undefined;
  try {
    return await action(store.registry);
  } catch (error) {
    if (isMissingTable(error)) return undefined;
    throw error;
  }
}

/** Parses `queued,running` into statuses; an unknown name is an `InvalidArgumentError` listing the valid ones. */
export function parseStatuses(text: string): ExecutionStatus[] {
  const names = text
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  const unknown = names.filter((name) => !(EXECUTION_STATUSES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    const what = names.length === 0 ? "no status given" : `unknown status ${unknown.map((n) => `"${n}"`).join(", ")}`;
    throw new InvalidArgumentError(`${what} (valid: ${EXECUTION_STATUSES.join(", ")})`);
  }
  return [...new Set(names as ExecutionStatus[])];
}

/** Every record with one of `statuses` (all records without), in the registry's order (execution id). */
export async function* walkRecords(
  registry: ExecutionRegistry,
  statuses?: readonly ExecutionStatus[],
  pageSize = RECORD_PAGE_SIZE,
): AsyncGenerator<ExecutionRecord> {
  const filter = statuses === undefined ? {} : { status: statuses };
  let cursor: string | undefined;
  do {
    const page = await registry.list({ ...filter, limit: pageSize, ...(cursor === undefined ? {} : { cursor }) });
    yield* page.records;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}

/** Options of {@link listRecordsNewestFirst}: a page, as for executions, and the statuses to keep. */
export interface RecordListOptions extends ExecutionListOptions {
  /** Only records with one of these statuses (default: all). */
  statuses?: readonly ExecutionStatus[];
}

/** One page of registry records, most recently updated first, and how many records matched. */
export interface RecordList {
  /** The rows of the page. */
  records: ExecutionRecord[];
  /** Records that matched. */
  total: number;
  /** The offset of this page. */
  offset: number;
}

/** Registry records most recently updated first, `limit` rows from `offset`, paging through the whole registry. */
export async function listRecordsNewestFirst(
  registry: ExecutionRegistry,
  options: RecordListOptions = {},
): Promise<RecordList> {
  const { rows, total, offset } = await pageNewestFirst(walkRecords(registry, options.statuses), options);
  return { records: rows, total, offset };
}

/** The record of each of `executionIds` that has one (one `get` each: meant for a page of rows). */
export async function recordsOf(
  registry: ExecutionRegistry,
  executionIds: readonly string[],
): Promise<Map<string, ExecutionRecord>> {
  const records = await Promise.all(executionIds.map((id) => registry.get(id)));
  return new Map(records.flatMap((record) => (record === undefined ? [] : [[record.executionId, record] as const])));
}

/**
 * Cancels an execution that has not ended (see `ExecutionRegistry.cancel`) and returns its record: `cancelled`, or
 * its ended status unchanged. An execution without a record is an `ExecutionNotFoundError`.
 */
export async function cancelExecution(registry: ExecutionRegistry, executionId: string): Promise<ExecutionRecord> {
  const record = await registry.cancel(executionId);
  if (record === undefined) throw new ExecutionNotFoundError(executionId, "has no record in this store's registry");
  return record;
}
