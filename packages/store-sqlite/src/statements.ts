/**
 * The statements a store prepares once on its connection, and the writer and remover built on them.
 *
 * @packageDocumentation
 */
import type { ListOptions } from "@lg/core";
import type Database from "better-sqlite3";
import { chainSql, removalSql, type ChainRecord } from "./chain-sql.js";
import type { SqliteDatabase } from "./options.js";
import { RegistryOps, type RegistryStatements } from "./registry-ops.js";
import { registrySql, type RegistrySql } from "./registry-sql.js";
import { Remover, type HeaderRow, type MergeRow } from "./removal.js";
import type { InsertParams } from "./rows.js";
import { storeSql, type CheckpointRow, type PlainListRow, type SqlNames, type StoredRow } from "./sql.js";
import { Writer, type DeltaParams, type ItemParams } from "./writer.js";

/** A prepared statement with typed parameters and rows. */
export type Statement<Params extends unknown[], Row = unknown> = Database.Statement<Params, Row>;

/** A row of `listExecutions`. */
export interface ExecutionRow {
  execution_id: string;
  latest_version: number;
  timestamp: number;
}

/** The row of `stats`. */
export interface StatsRow {
  checkpoints: number;
  executions: number;
  bytes: number;
}

/** A list statement's parameters: execution id, afterVersion, beforeVersion, limit. */
export type ListParams = [executionId: string, after: ListBound, before: ListBound, limit: number];

/** Every statement the store runs, prepared once per store, and what writes and deletes with them. */
export interface Statements {
  readById: Statement<[id: string], ChainRecord>;
  readLatest: Statement<[executionId: string], ChainRecord>;
  readListAsc: Statement<ListParams, ChainRecord>;
  readListDesc: Statement<ListParams, ChainRecord>;
  readListAscChecked: Statement<ListParams, ChainRecord>;
  readListDescChecked: Statement<ListParams, ChainRecord>;
  listHeadersAsc: Statement<ListParams, CheckpointRow>;
  listHeadersDesc: Statement<ListParams, CheckpointRow>;
  listPlainAsc: Statement<ListParams, PlainListRow>;
  listPlainDesc: Statement<ListParams, PlainListRow>;
  listExecutions: Statement<[cursor: string, limit: number], ExecutionRow>;
  stats: Statement<[], StatsRow>;
  ping: Statement<[]>;
  writer: Writer;
  remover: Remover;
  registry: RegistryOps;
}

/** A bound of a list statement's version range: a version, or one of the open ends below. */
export type ListBound = number | bigint | Buffer;

// Open ends reach every stored value, so that a version written underneath as text or beyond 2^53 is met and
// refused as corrupt rather than silently left out: SQLite orders integers and reals before text and text before
// blobs, so the lowest 64-bit integer is below every number and an empty blob above every number and text.
const BELOW_ALL = -(2n ** 63n);
const ABOVE_ALL = Buffer.alloc(0);

/** A list statement's parameters for `options` (validated by the caller). */
export function listParams(executionId: string, options: ListOptions | undefined): ListParams {
  // LIMIT -1: no limit.
  return [executionId, options?.afterVersion ?? BELOW_ALL, options?.beforeVersion ?? ABOVE_ALL, options?.limit ?? -1];
}

/** Prepares every statement of the store on `db` for the table `names`. */
export function prepareAll(db: SqliteDatabase, names: SqlNames): Statements {
  // safeIntegers(false): numbers come back as numbers even on an injected connection that defaults to BigInt.
  const prepare = <P extends unknown[], R = unknown>(text: string): Statement<P, R> =>
    (db.prepare(text) as unknown as Statement<P, R>).safeIntegers(false);
  // Row reads return arrays in column order (see CheckpointRow), which skips building an object per row.
  const prepareRows = <P extends unknown[], R>(text: string): Statement<P, R> => prepare<P, R>(text).raw(true);
  const sql = storeSql(names);
  const chain = chainSql(names);
  const removal = removalSql(names);
  const executionOf = prepare<[string], string>(sql.executionOf).pluck(true);
  const registry = registrySql(names);
  return {
    readById: prepareRows(chain.readById),
    readLatest: prepareRows(chain.readLatest),
    readListAsc: prepareRows(chain.readListAsc),
    readListDesc: prepareRows(chain.readListDesc),
    readListAscChecked: prepareRows(chain.readListAscChecked),
    readListDescChecked: prepareRows(chain.readListDescChecked),
    listHeadersAsc: prepareRows(sql.listHeadersAsc),
    listHeadersDesc: prepareRows(sql.listHeadersDesc),
    listPlainAsc: prepareRows(sql.listPlainAsc),
    listPlainDesc: prepareRows(sql.listPlainDesc),
    listExecutions: prepare(sql.listExecutions),
    stats: prepare(sql.stats),
    ping: prepare("SELECT 1"),
    writer: new Writer(db, {
      insert: prepare<InsertParams>(sql.insert),
      insertDelta: prepare<DeltaParams>(sql.insertDelta),
      insertItem: prepare<ItemParams>(sql.insertItem),
      parentOf: prepareRows<[string], [string, number]>(sql.parentOf),
      storedRow: prepareRows<[string], StoredRow>(sql.storedRow),
      readAnyById: prepareRows(chain.readAnyById),
      unhide: prepare(sql.unhide),
    }),
    remover: new Remover(db, {
      rowHeaders: prepareRows<[string], HeaderRow>(removal.rowHeaders),
      executionOf,
      mergeSource: prepareRows<[string], MergeRow>(removal.mergeSource),
      rewrite: prepare(removal.rewrite),
      reownItems: prepare(removal.reownItems),
      dropChannelItems: prepare(removal.dropChannelItems),
      repoint: prepare(removal.repoint),
      hide: prepare(removal.hide),
      deleteItems: prepare(removal.deleteItems),
      deleteRow: prepare(removal.deleteRow),
      clearItems: prepare(sql.clearItems),
      clear: prepare(sql.clear),
      deleteRecord: prepare(registry.delete),
    }),
    registry: new RegistryOps(db, prepareRegistry(prepare, registry)),
  };
}

type Prepare = <P extends unknown[], R = unknown>(text: string) => Statement<P, R>;

/** The registry's statements, prepared as the store's others (numbers as numbers); the single-value reads plucked. */
function prepareRegistry(prepare: Prepare, sql: RegistrySql): RegistryStatements {
  return {
    select: prepare(sql.select),
    insert: prepare(sql.insert),
    requeue: prepare(sql.requeue),
    candidates: prepare<Parameters<RegistryStatements["candidates"]["all"]>, string>(sql.candidates).pluck(true),
    take: prepare(sql.take),
    renew: prepare(sql.renew),
    release: prepare(sql.release),
    cancel: prepare(sql.cancel),
    holds: prepare<[string, string], number>(sql.holds).pluck(true),
    list: prepare(sql.list),
    counts: prepare(sql.counts),
  };
}

/** The chain read of a list: newest first when `desc`, with the `valid` column (for `listSerialized`) when `checked`. */
export function listRead(s: Statements, desc: boolean, checked: boolean): Statement<ListParams, ChainRecord> {
  if (checked) return desc ? s.readListDescChecked : s.readListAscChecked;
  return desc ? s.readListDesc : s.readListAsc;
}
