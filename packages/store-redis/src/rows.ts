import { CheckpointCorruptError } from "@lg/core";
import { parseJsonColumn, type EncodedRowState, type JsonValue } from "@lg/core/store";
import { FIELD, ROW_KIND } from "./keys.js";

/**
 * Rows as the read scripts return them (`row_reply` in `row-lua.ts`), and their state parts parsed for core's
 * `foldChain`. Parsing is lazy and done once per row, so a `list` whose checkpoints share a chain parses each row once.
 *
 * @packageDocumentation
 */

/** How a row holds its state: the old layout (the state inside `data`), a full row, or a delta row. */
export type RowKind = "legacy" | "full" | "delta";

/** One part of a row's state as stored: the row's own fields, or those of a row merged into it. */
interface RowPartText {
  state: string;
  items: string;
  counts: string;
}

/** One checkpoint hash as a read script returned it. */
export interface StoredRow {
  /** Checkpoint id. */
  readonly id: string;
  /** How it holds its state. */
  readonly kind: RowKind;
  /** The row it reads through (delta rows). */
  readonly link: string | undefined;
  /** Kept only for the rows that read through it. */
  readonly hidden: boolean;
  /** The `data` field when returned (the start row of a read; rows of the old layout), else "". */
  readonly data: string;
  /** How many rows were merged into it (the check a later read makes that it is unchanged). */
  readonly merged: number;
  /** Its own parts, then the merged rows' (absent in header-only replies). */
  readonly parts: readonly RowPartText[];
  /** `parts` parsed, filled by {@link rowStates}. */
  states?: EncodedRowState[];
}

function unexpected(script: string, reply: unknown): Error {
  return new Error(`unexpected row in the reply of the ${script} script: ${JSON.stringify(reply)?.slice(0, 200)}`);
}

function kindOf(text: unknown, script: string, reply: unknown): RowKind {
  if (text === "") return "legacy";
  if (text === ROW_KIND.full) return "full";
  if (text === ROW_KIND.delta) return "delta";
  throw unexpected(script, reply);
}

/** Reads one `row_reply` (with or without parts). */
export function parseRow(script: string, reply: unknown): StoredRow {
  if (!Array.isArray(reply) || reply.length < 5) throw unexpected(script, reply);
  const [id, kind, link, hidden, data] = reply as unknown[];
  if (typeof id !== "string" || typeof link !== "string" || typeof data !== "string") throw unexpected(script, reply);
  const parts: RowPartText[] = [];
  let merged = 0;
  if (reply.length > 5) {
    merged = Number(reply[8]);
    for (let i = 5; i + 2 < reply.length; i += i === 5 ? 4 : 3) {
      const [state, items, counts] = [reply[i], reply[i + 1], reply[i + 2]];
      if (typeof state !== "string" || typeof items !== "string" || typeof counts !== "string")
        throw unexpected(script, reply);
      parts.push({ state, items, counts });
    }
    if (!Number.isSafeInteger(merged) || parts.length !== merged + 1) throw unexpected(script, reply);
  }
  return {
    id,
    kind: kindOf(kind, script, reply),
    link: link === "" ? undefined : link,
    hidden: hidden !== "",
    data,
    merged,
    parts,
  };
}

function parseList(text: string, readerId: string, row: StoredRow, field: string): unknown[] {
  const value = parseJsonColumn(text === "" ? "[]" : text, readerId, `${field} of row ${row.id}`);
  if (!Array.isArray(value)) throw new CheckpointCorruptError(readerId, `${field} of row ${row.id} is not a list`);
  return value;
}

/**
 * A part's appended items, checked against the counts the row recorded: an item missing or extra (a field edited by
 * hand, a partial copy) is {@link CheckpointCorruptError} naming `readerId`, never a silently shorter list.
 */
function checkedItems(part: RowPartText, readerId: string, row: StoredRow): [string, JsonValue[]][] {
  const items = parseList(part.items, readerId, row, FIELD.items) as [string, JsonValue[]][];
  const counts = parseList(part.counts, readerId, row, FIELD.counts);
  const recorded = new Map<string, number>();
  for (const pair of counts) {
    if (!Array.isArray(pair) || typeof pair[0] !== "string" || !Number.isSafeInteger(pair[1]))
      throw new CheckpointCorruptError(readerId, `counts of row ${row.id} are not [channel, count] pairs`);
    recorded.set(pair[0], (recorded.get(pair[0]) ?? 0) + (pair[1] as number));
  }
  const held = new Map<string, number>();
  for (const pair of items) {
    if (!Array.isArray(pair) || typeof pair[0] !== "string" || !Array.isArray(pair[1]))
      throw new CheckpointCorruptError(readerId, `items of row ${row.id} are not [channel, items] pairs`);
    held.set(pair[0], (held.get(pair[0]) ?? 0) + pair[1].length);
  }
  for (const channel of new Set([...recorded.keys(), ...held.keys()])) {
    const want = recorded.get(channel) ?? 0;
    const got = held.get(channel) ?? 0;
    if (want !== got) {
      throw new CheckpointCorruptError(
        readerId,
        `row ${row.id} holds ${got} appended items of channel ${JSON.stringify(channel)}, it recorded ${want}`,
      );
    }
  }
  return items;
}

/** The base state of a full row: its `state` field, or for the old layout the `state` inside its `data`. */
function baseOf(row: StoredRow, readerId: string): JsonValue {
  if (row.kind === "full") return parseJsonColumn(row.parts[0]?.state ?? "", readerId, `state of row ${row.id}`);
  const data = parseJsonColumn(row.data, readerId, `data of row ${row.id}`);
  if (data === null || typeof data !== "object" || Array.isArray(data) || !("state" in data))
    throw new CheckpointCorruptError(readerId, `data of row ${row.id} is not a checkpoint`);
  return data.state as JsonValue;
}

/**
 * The row's parts as core's `EncodedRowState`s, in the order they fold (parsed once, then cached on the row).
 * `readerId` is the checkpoint being read, named by any `CheckpointCorruptError`.
 */
export function rowStates(row: StoredRow, readerId: string): EncodedRowState[] {
  if (row.states !== undefined) return row.states;
  const states: EncodedRowState[] = [];
  row.parts.forEach((part, i) => {
    if (i === 0 && row.kind !== "delta") {
      states.push({ base: baseOf(row, readerId), whole: [], items: [] });
      return;
    }
    const whole = parseList(part.state, readerId, row, FIELD.state) as [string, JsonValue][];
    states.push({ whole, items: checkedItems(part, readerId, row) });
  });
  row.states = states;
  return states;
}
