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

/** One part of a row: the JSON texts of its `state`, `items` and `counts` fields. */
export type PartTexts = readonly [state: string, items: string, counts: string];

/** One stored row, as a read script returns it. */
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
  /**
   * Its own part, then the merged rows', each as the JSON texts of its state, items and counts (`add_part` in the
   * Lua source); absent in header-only replies.
   */
  readonly parts: readonly PartTexts[];
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
  const [id, kind, link, hidden, data, merged] = reply as unknown[];
  if (typeof id !== "string" || typeof link !== "string" || typeof data !== "string") throw unexpected(script, reply);
  const parts: PartTexts[] = [];
  if (reply.length > 5 && (typeof merged !== "number" || reply.length !== 6 + 3 * (merged + 1)))
    throw unexpected(script, reply);
  for (let i = 6; i < reply.length; i += 3) {
    const [state, items, counts] = [reply[i], reply[i + 1], reply[i + 2]] as unknown[];
    if (typeof state !== "string" || typeof items !== "string" || typeof counts !== "string")
      throw unexpected(script, reply);
    parts.push([state, items, counts]);
  }
  return {
    id,
    kind: kindOf(kind, script, reply),
    link: link === "" ? undefined : link,
    hidden: hidden !== "",
    data,
    merged: typeof merged === "number" ? merged : 0,
    parts,
  };
}

function corrupt(readerId: string, row: StoredRow, what: string): CheckpointCorruptError {
  return new CheckpointCorruptError(readerId, `row ${row.id}: ${what}`);
}

/**
 * A part's appended items, checked against the counts the row recorded: an item missing or extra (a field edited by
 * hand, a partial copy) is {@link CheckpointCorruptError} naming `readerId`, never a silently shorter list.
 */
function checkedItems(items: unknown, counts: unknown, readerId: string, row: StoredRow): [string, JsonValue[]][] {
  if (!Array.isArray(items) || !Array.isArray(counts)) throw corrupt(readerId, row, "its items or counts are no list");
  const recorded = new Map<string, number>();
  for (const pair of counts as unknown[]) {
    if (!Array.isArray(pair) || typeof pair[0] !== "string" || !Number.isSafeInteger(pair[1]))
      throw corrupt(readerId, row, "its counts are not [channel, count] pairs");
    recorded.set(pair[0], (recorded.get(pair[0]) ?? 0) + (pair[1] as number));
  }
  const held = new Map<string, number>();
  for (const pair of items as unknown[]) {
    if (!Array.isArray(pair) || typeof pair[0] !== "string" || !Array.isArray(pair[1]))
      throw corrupt(readerId, row, "its items are not [channel, items] pairs");
    held.set(pair[0], (held.get(pair[0]) ?? 0) + pair[1].length);
  }
  for (const channel of new Set([...recorded.keys(), ...held.keys()])) {
    const want = recorded.get(channel) ?? 0;
    const got = held.get(channel) ?? 0;
    if (want !== got)
      throw corrupt(
        readerId,
        row,
        `it holds ${got} appended items of channel ${JSON.stringify(channel)}, it recorded ${want}`,
      );
  }
  return items as [string, JsonValue[]][];
}

/** The base state of a row of the old layout: the `state` inside its `data`. */
function legacyBase(row: StoredRow, readerId: string): JsonValue {
  const data = parseJsonColumn(row.data, readerId, `data of row ${row.id}`);
  if (data === null || typeof data !== "object" || Array.isArray(data) || !("state" in data))
    throw corrupt(readerId, row, "its data is not a checkpoint");
  return data.state as JsonValue;
}

/**
 * The row's parts as core's `EncodedRowState`s, in the order they fold (parsed once, then cached on the row).
 * `readerId` is the checkpoint being read, named by any `CheckpointCorruptError`.
 */
export function rowStates(row: StoredRow, readerId: string): EncodedRowState[] {
  if (row.states !== undefined) return row.states;
  // Each text is parsed on its own: joining a part's three texts into one would copy its items once more.
  const parse = (text: string, field: string): JsonValue =>
    parseJsonColumn(text, readerId, `${field} of row ${row.id}`);
  const states = row.parts.map(([stateText, itemsText, countsText], i): EncodedRowState => {
    if (i === 0 && row.kind !== "delta") {
      if (row.kind === "legacy") return { base: legacyBase(row, readerId), whole: [], items: [] };
      return { base: parse(stateText, FIELD.state), whole: [], items: [] };
    }
    const state = parse(stateText, FIELD.state);
    if (!Array.isArray(state)) throw corrupt(readerId, row, `its ${FIELD.state} is not a list of pairs`);
    const items = checkedItems(parse(itemsText, FIELD.items), parse(countsText, FIELD.counts), readerId, row);
    return { whole: state as [string, JsonValue][], items };
  });
  row.states = states;
  return states;
}
