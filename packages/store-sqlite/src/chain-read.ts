/**
 * Turns the records of a chain read (chain-sql.ts) into checkpoints with their full states: the rows are checked (a
 * missing row, a loop, items other than the recorded counts are `CheckpointCorruptError`, never a shorter state)
 * and folded with core's `foldChain`.
 *
 * @packageDocumentation
 */
import { CheckpointCorruptError, type Checkpoint } from "@lg/core";
import { foldChain, parseJsonColumn, type EncodedRowState, type JsonValue } from "@lg/core/store";
import type { ChainRecord } from "./chain-sql.js";
import { rowToCheckpoint, rowToHeader } from "./rows.js";
import type { CheckpointRow } from "./sql.js";

/** The record of a chain read that carries a row's own columns (its `state` is not NULL). */
type ChainRow = ChainRecord & { 2: string };
/** A record of a chain read holding an item: its item columns (6 and 7) are not NULL. */
type ItemRecord = ChainRecord & { 6: string; 7: string };

// Column positions in a ChainRecord (chain-sql.ts).
const ID = 0;
const HEADER = 1;
const STATE = 2;
const KIND = 3;
const LINK = 4;
const ITEM_COUNTS = 5;
const ITEM_CHANNEL = 6;
const ITEM_VALUE = 7;
/** Where a list's header columns start, and its `valid` column (`listSerialized`). */
const LIST_HEADER = 8;
const VALID = 16;

/** A checkpoint read, with the stored row it was read from. */
export interface ReadCheckpoint {
  /** The record it was read from. */
  record: ChainRow;
  /** The stored row's columns. */
  row: CheckpointRow;
  /** `listSerialized`'s reads: 1 when the row's JSON columns are valid JSON. */
  valid: number | undefined;
  checkpoint: Checkpoint;
  /** True when the row holds the whole state and no items: its state column is the checkpoint's state as stored. */
  plain: boolean;
}

/** Whether `record` carries its row's columns: a row's first record does, with its `state`. */
function carriesRow(record: ChainRecord): record is ChainRow {
  return record[STATE] !== null;
}

/** A full row owning no items: read like any row before incremental storage, without folding. */
function isPlain(row: ChainRow, items: ReadonlyMap<string, ItemRecord[]>): boolean {
  return row[KIND] === "full" && row[ITEM_COUNTS] === null && !items.has(row[ID]);
}

function corrupt(id: string, detail: string): CheckpointCorruptError {
  return new CheckpointCorruptError(id, detail);
}

/** The stored columns of a checkpoint asked for, from its packed header (a read of one) or a list's columns. */
function checkpointRow(record: ChainRow): CheckpointRow {
  const id = record[ID];
  const header = record[HEADER];
  const fields: unknown = typeof header === "string" ? parseJsonColumn(header, id, "header") : undefined;
  const at = (i: number): unknown => (Array.isArray(fields) ? fields[i] : record[LIST_HEADER + i]);
  if (fields !== undefined && !Array.isArray(fields)) throw corrupt(id, "its header did not read as a list");
  // The columns' types are checked as the row is decoded (rows.ts), as for any row.
  return [id, at(0), at(1), record[STATE], at(2), at(3), at(4), at(5), at(6), at(7)] as CheckpointRow;
}

/** A checkpoint asked for, read as it is stored (`plain`) or with its header only (its state is folded). */
function readRecord(record: ChainRow, plain: boolean): ReadCheckpoint {
  const row = checkpointRow(record);
  const valid = record[VALID] as number | undefined;
  return { record, row, valid, checkpoint: plain ? rowToCheckpoint(row) : rowToHeader(row), plain };
}

/** Throws unless the row's items per channel are the counts it recorded. */
function checkCounts(row: ChainRow, held: readonly [string, number][], readId: string): void {
  const id = row[ID];
  const text = row[ITEM_COUNTS];
  // As written (the usual case: the same channels in the same order), the texts are equal and nothing is parsed.
  let written = "[";
  for (const [channel, count] of held)
    written += `${written.length > 1 ? "," : ""}[${JSON.stringify(channel)},${count}]`;
  if (text === `${written}]`) return;
  const recorded = text === null ? [] : parseJsonColumn(text, id, "item_counts");
  if (!Array.isArray(recorded)) throw corrupt(readId, `row ${id} has item counts that are not a list`);
  const expected = new Map<unknown, unknown>();
  for (const entry of recorded) if (Array.isArray(entry)) expected.set(entry[0], entry[1]);
  const matches =
    expected.size === recorded.length &&
    held.length === expected.size &&
    held.every(([channel, count]) => expected.get(channel) === count);
  if (!matches) {
    throw corrupt(readId, `row ${id} records items ${text ?? "[]"} but holds ${JSON.stringify(held)}`);
  }
}

/** The row's items as `[channel, items]` pairs, oldest first, checked against the counts the row recorded. */
function rowItems(row: ChainRow, records: readonly ItemRecord[], readId: string): [string, JsonValue[]][] {
  if (records.length === 0 && row[ITEM_COUNTS] === null) return [];
  const id = row[ID];
  const first = records[0];
  if (records.length === 1 && first !== undefined) {
    // The usual delta row: one item, read without grouping.
    const channel = first[ITEM_CHANNEL];
    checkCounts(row, [[channel, 1]], readId);
    return [[channel, [parseJsonColumn(first[ITEM_VALUE], id, "items")]]];
  }
  const byChannel: [string, ItemRecord[]][] = [];
  for (const record of records) {
    const channel = record[ITEM_CHANNEL];
    const pair = byChannel.find(([c]) => c === channel); // a row appends to a few channels at most
    if (pair === undefined) byChannel.push([channel, [record]]);
    else pair[1].push(record);
  }
  checkCounts(
    row,
    byChannel.map(([channel, list]) => [channel, list.length]),
    readId,
  );
  // The items table's primary key hands each row's items over in order (query-plans.test.ts pins that plan).
  return byChannel.map(([channel, list]) => [
    channel,
    list.map((record) => parseJsonColumn(record[ITEM_VALUE], id, "items")),
  ]);
}

/** What a row contributes to a fold: its base (full rows) or whole channels (delta rows), and its items. */
function rowState(row: ChainRow, records: readonly ItemRecord[], readId: string): EncodedRowState {
  const id = row[ID];
  const items = rowItems(row, records, readId);
  // The usual delta row writes no channel whole: nothing to parse.
  if (row[KIND] === "delta" && row[STATE] === "{}") return { whole: [], items };
  const state = parseJsonColumn(row[STATE], id, "state");
  if (row[KIND] === "full") return { base: state, whole: [], items };
  if (row[KIND] !== "delta") throw corrupt(readId, `row ${id} is of unknown kind ${JSON.stringify(row[KIND])}`);
  if (state === null || typeof state !== "object" || Array.isArray(state)) {
    throw corrupt(readId, `the state column of delta row ${id} is not an object of channels`);
  }
  // Object.entries keeps an own "__proto__" key that JSON.parse created as a plain property.
  return { whole: Object.entries(state), items };
}

/** The records of a chain read: its rows by id, the checkpoints asked for, and each row's items. */
class ChainRows {
  readonly byId = new Map<string, ChainRow>();
  readonly wanted: ChainRow[] = [];
  readonly items = new Map<string, ItemRecord[]>();

  constructor(records: readonly ChainRecord[]) {
    for (const record of records) {
      const id = record[ID];
      if (carriesRow(record)) {
        this.byId.set(id, record);
        if (record[HEADER] !== null) this.wanted.push(record);
      }
      if (record[ITEM_CHANNEL] === null) continue;
      const list = this.items.get(id);
      if (list === undefined) this.items.set(id, [record as ItemRecord]);
      else list.push(record as ItemRecord);
    }
  }

  /** What `row` contributes to a fold, its items checked. */
  state(row: ChainRow, readId: string): EncodedRowState {
    return rowState(row, this.items.get(row[ID]) ?? [], readId);
  }

  /** Whether `row` is read as it is stored (see {@link isPlain}). */
  plain(row: ChainRow): boolean {
    return isPlain(row, this.items);
  }

  /**
   * The row `row` continues; corrupt when the statement did not return it (missing, of another execution, not older)
   * or it was already met.
   */
  parentOf(row: ChainRow, target: ChainRow, seen: Set<string>): ChainRow {
    const link = row[LINK];
    const parent = link === null ? undefined : this.byId.get(link);
    if (parent === undefined || seen.has(parent[ID])) {
      throw corrupt(
        target[ID],
        "its chain of incremental rows does not reach a full row (a row it reads through is missing)",
      );
    }
    seen.add(parent[ID]);
    return parent;
  }
}

/** Reads the one checkpoint a read by id or `latest` asked for, or `undefined` when there is none. */
export function readOne(records: readonly ChainRecord[]): ReadCheckpoint | undefined {
  const only = records.length === 1 ? records[0] : undefined;
  // The common case, a row holding the whole state and no item, is read without building the chain's indexes.
  if (only !== undefined && carriesRow(only) && only[HEADER] !== null && only[ITEM_CHANNEL] === null) {
    if (only[KIND] === "full" && only[ITEM_COUNTS] === null) return readRecord(only, true);
  }
  const chain = new ChainRows(records);
  const target = chain.wanted[0];
  if (target === undefined) return undefined;
  if (chain.plain(target)) return readRecord(target, true);
  const read = readRecord(target, false);
  const path = [target];
  const seen = new Set([target[ID]]);
  for (let row = target; row[KIND] === "delta";) {
    row = chain.parentOf(row, target, seen);
    path.push(row);
  }
  path.reverse();
  read.checkpoint.state = foldChain(
    target[ID],
    path.map((row) => chain.state(row, target[ID])),
  );
  return read;
}

/**
 * Continues `start` (the merged rows of an earlier checkpoint, or nothing) with `rows`, oldest first, into one row
 * that folds like all of them: what successive `mergeRows` give, with each item list copied once instead of once
 * per row.
 */
function extend(start: EncodedRowState | undefined, rows: readonly EncodedRowState[]): EncodedRowState {
  let base = start?.base;
  const whole = new Map<string, JsonValue>(start?.whole);
  const items = new Map<string, JsonValue[]>((start?.items ?? []).map(([key, list]) => [key, [...list]]));
  for (const row of rows) {
    if (row.base !== undefined) {
      base = row.base;
      whole.clear();
      items.clear();
    }
    for (const [key, value] of row.whole) {
      whole.delete(key); // re-inserted last, as mergeRows orders them
      whole.set(key, value);
      items.delete(key); // a value written whole replaces the items appended before it
    }
    for (const [key, list] of row.items) {
      const target = items.get(key);
      if (target === undefined) items.set(key, [...list]);
      else for (const item of list) target.push(item);
    }
  }
  const merged: EncodedRowState = { whole: [...whole], items: [...items] };
  if (base !== undefined) merged.base = base;
  return merged;
}

/**
 * Reads the checkpoints a list asked for, in `order` of version. Each row is parsed once, and the checkpoints are
 * folded oldest first, each from the nearest earlier one its chain passes through (a linear execution folds
 * every row once) rather than each from its full row.
 */
export function readMany(records: readonly ChainRecord[], order: "asc" | "desc"): ReadCheckpoint[] {
  const chain = new ChainRows(records);
  const read = chain.wanted.map((record) => readRecord(record, chain.plain(record)));
  read.sort((a, b) => a.checkpoint.version - b.checkpoint.version);
  const states = new Map<string, EncodedRowState>();
  const stateOf = (row: ChainRow, readId: string): EncodedRowState => {
    let state = states.get(row[ID]);
    if (state === undefined) states.set(row[ID], (state = chain.state(row, readId)));
    return state;
  };
  const folded = new Map<string, EncodedRowState>();
  for (const each of read) {
    const target = each.record;
    if (each.plain) continue;
    const path = [target];
    const seen = new Set([target[ID]]);
    let start: EncodedRowState | undefined;
    for (let row = target; row[KIND] === "delta";) {
      row = chain.parentOf(row, target, seen);
      start = folded.get(row[ID]);
      if (start !== undefined) break;
      path.push(row);
    }
    path.reverse();
    const merged = extend(
      start,
      path.map((row) => stateOf(row, target[ID])),
    );
    folded.set(target[ID], merged);
    each.checkpoint.state = foldChain(target[ID], [merged]);
  }
  if (order === "desc") read.reverse();
  return read;
}
