/**
 * Turns the rows of a chain read (chain-sql.ts) into checkpoints with their full states: the rows are checked (a
 * missing row, a loop, a row of another execution, item counts other than recorded are `CheckpointCorruptError`,
 * never a shorter state) and folded with core's `foldChain`.
 *
 * @packageDocumentation
 */
import { CheckpointCorruptError, type Checkpoint } from "@lg/core";
import { foldChain, parseJsonColumn, type EncodedRowState, type JsonValue } from "@lg/core/store";
import type { ChainRow } from "./chain-sql.js";
import { rowToCheckpoint, rowToHeader } from "./rows.js";

// Column positions in a ChainRow (chain-sql.ts).
const ID = 0;
const EXECUTION_ID = 1;
const STATE = 3;
const KIND = 10;
const LINK = 11;
const ITEM_COUNTS = 13;
const ITEM_CHANNELS = 14;
const ITEMS = 15;
const WANTED = 16;

/** A checkpoint read, with the stored row it was read from. */
export interface ReadCheckpoint {
  row: ChainRow;
  checkpoint: Checkpoint;
  /** True when the row holds the whole state and no items: its state column is the checkpoint's state as stored. */
  plain: boolean;
}

/** A full row owning no items: read like any row before incremental storage, without folding. */
function isPlain(row: ChainRow): boolean {
  return row[KIND] === "full" && row[ITEM_COUNTS] === null && row[ITEMS] === null;
}

function corrupt(id: string, detail: string): CheckpointCorruptError {
  return new CheckpointCorruptError(id, detail);
}

/** The row's items as `[channel, items]` pairs, checked against the counts the row recorded. */
function rowItems(row: ChainRow, readId: string): [string, JsonValue[]][] {
  const id = row[ID];
  if (row[ITEMS] === null && row[ITEM_COUNTS] === null) return [];
  const recorded = row[ITEM_COUNTS] === null ? [] : parseJsonColumn(row[ITEM_COUNTS], id, "item_counts");
  const channels = parseJsonColumn(row[ITEM_CHANNELS], id, "items");
  const values = row[ITEMS] === null ? [] : parseJsonColumn(row[ITEMS], id, "items");
  if (!Array.isArray(recorded) || !Array.isArray(channels) || !Array.isArray(values)) {
    throw corrupt(readId, `row ${id} has item counts or items that are not lists`);
  }
  if (values.length !== channels.length) throw corrupt(readId, `an item of row ${id} is not one JSON value`);
  const pairs: [string, JsonValue[]][] = [];
  let current: JsonValue[] | undefined;
  channels.forEach((channel, i) => {
    if (pairs.length === 0 || pairs[pairs.length - 1]?.[0] !== channel) {
      current = [];
      pairs.push([channel as string, current]);
    }
    current?.push(values[i] as JsonValue);
  });
  const expected = new Map<string, unknown>();
  for (const entry of recorded) {
    if (!Array.isArray(entry) || typeof entry[0] !== "string")
      throw corrupt(readId, `row ${id} has malformed item counts`);
    expected.set(entry[0], entry[1]);
  }
  const matches =
    pairs.length === expected.size && pairs.every(([channel, list]) => expected.get(channel) === list.length);
  if (!matches) {
    const held = JSON.stringify(pairs.map(([channel, list]) => [channel, list.length]));
    throw corrupt(readId, `row ${id} records items ${JSON.stringify(recorded)} but holds ${held}`);
  }
  return pairs;
}

/** What a row contributes to a fold: its base (full rows) or whole channels (delta rows), and its items. */
export function rowState(row: ChainRow, readId: string): EncodedRowState {
  const id = row[ID];
  const state = parseJsonColumn(row[STATE], id, "state");
  const items = rowItems(row, readId);
  if (row[KIND] === "full") return { base: state, whole: [], items };
  if (row[KIND] !== "delta") throw corrupt(readId, `row ${id} is of unknown kind ${JSON.stringify(row[KIND])}`);
  if (state === null || typeof state !== "object" || Array.isArray(state)) {
    throw corrupt(readId, `the state column of delta row ${id} is not an object of channels`);
  }
  // Object.entries keeps an own "__proto__" key that JSON.parse created as a plain property.
  return { whole: Object.entries(state), items };
}

/** The rows of a read by id, and the checkpoints asked for. */
class ChainRows {
  readonly byId = new Map<string, ChainRow>();
  readonly wanted: ChainRow[] = [];

  constructor(rows: readonly ChainRow[]) {
    for (const row of rows) {
      this.byId.set(row[ID], row);
      if (row[WANTED] === 1) this.wanted.push(row);
    }
  }

  /** The row `row` continues; corrupt when it is missing, of another execution, or already met (a loop). */
  parentOf(row: ChainRow, target: ChainRow, seen: Set<string>): ChainRow {
    const link = row[LINK];
    const parent = link === null ? undefined : this.byId.get(link);
    if (parent === undefined || parent[EXECUTION_ID] !== target[EXECUTION_ID] || seen.has(parent[ID])) {
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
export function readOne(rows: readonly ChainRow[]): ReadCheckpoint | undefined {
  const chain = new ChainRows(rows);
  const target = chain.wanted[0];
  if (target === undefined) return undefined;
  if (isPlain(target)) return { row: target, checkpoint: rowToCheckpoint(target), plain: true };
  const checkpoint = rowToHeader(target);
  const path = [target];
  const seen = new Set([target[ID]]);
  for (let row = target; row[KIND] === "delta";) {
    row = chain.parentOf(row, target, seen);
    path.push(row);
  }
  path.reverse();
  checkpoint.state = foldChain(
    target[ID],
    path.map((row) => rowState(row, target[ID])),
  );
  return { row: target, checkpoint, plain: false };
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
export function readMany(rows: readonly ChainRow[], order: "asc" | "desc"): ReadCheckpoint[] {
  const chain = new ChainRows(rows);
  const read = chain.wanted.map((row): ReadCheckpoint => {
    const plain = isPlain(row);
    return { row, checkpoint: plain ? rowToCheckpoint(row) : rowToHeader(row), plain };
  });
  read.sort((a, b) => a.checkpoint.version - b.checkpoint.version);
  const states = new Map<string, EncodedRowState>();
  const stateOf = (row: ChainRow, readId: string): EncodedRowState => {
    let state = states.get(row[ID]);
    if (state === undefined) states.set(row[ID], (state = rowState(row, readId)));
    return state;
  };
  const folded = new Map<string, EncodedRowState>();
  for (const each of read) {
    const target = each.row;
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
