/**
 * Helpers for stores that keep checkpoints incrementally (the `incremental` capability; see
 * docs/incremental-checkpoints.md): encode what a checkpoint changed, fold a chain of rows back into a full state,
 * and plan a deletion that keeps every row a remaining checkpoint still reads through.
 *
 * @packageDocumentation
 */
import type { Checkpoint } from "./checkpoint.js";
import { encodeCheckpoint, type EncodedCheckpoint } from "./codec.js";
import { CheckpointCorruptError, InvalidArgumentError } from "./errors.js";
import { setOwn } from "./own.js";
import { decodeValue, encodeValue, type JsonValue } from "./serializer.js";
import type { StateChanges } from "./state-changes.js";

/**
 * The state part of a stored row. A full row has `base`, the whole state encoded as `encodeValue` gives it; a delta
 * row only the channels its step wrote whole and the items it appended. Reading applies `base`, then `whole`, then
 * `items`; a full row may carry `whole` and `items` too once later rows were merged into it.
 */
export interface EncodedRowState {
  /** The whole state (full rows only). */
  base?: JsonValue;
  /** Channels written whole, as `[channel, encoded value]` pairs (pairs keep keys like `__proto__` plain). */
  whole: [string, JsonValue][];
  /** Items appended, as `[channel, encoded items]` pairs, oldest item first. */
  items: [string, JsonValue[]][];
}

/** A checkpoint encoded for an incremental store: every field but the state as `encodeCheckpoint` gives it, and its row state. */
export interface EncodedIncrementalCheckpoint {
  /** Every field but the state, encoded (its `state` is `null`). */
  header: EncodedCheckpoint;
  /** What the row stores of the state. */
  row: EncodedRowState;
}

/**
 * Validates and encodes `cp` for an incremental store. With `changes` (for the checkpoint's parent) only the changed
 * channels are encoded — the cost follows the step's writes, not the state's size; without, the whole state is (a
 * full row). Throws `InvalidArgumentError` when `changes` does not fit the checkpoint (another parent, a state that is
 * not a plain object, a channel the state lacks, more items than the channel holds) and `SerializationError` naming
 * the path of an unstorable value.
 */
export function encodeIncremental(cp: Checkpoint, changes?: StateChanges): EncodedIncrementalCheckpoint {
  if (changes === undefined) {
    const encoded = encodeCheckpoint(cp);
    return { header: { ...encoded, state: null }, row: { base: encoded.state, whole: [], items: [] } };
  }
  const header = encodeCheckpoint({ ...cp, state: null });
  checkChanges(cp, changes);
  const state = cp.state as Record<string, unknown>;
  const whole = changes.whole.map((key): [string, JsonValue] => [key, encodeValue(state[key], `state.${key}`)]);
  const items: [string, JsonValue[]][] = [];
  for (const key of Object.keys(changes.appended)) {
    const value = state[key] as unknown[];
    const from = value.length - (changes.appended[key] as number);
    items.push([key, value.slice(from).map((item, i) => encodeValue(item, `state.${key}[${from + i}]`))]);
  }
  return { header, row: { whole, items } };
}

function checkChanges(cp: Checkpoint, changes: StateChanges): void {
  if (
    changes === null ||
    typeof changes !== "object" ||
    cp.parentId === undefined ||
    changes.parentId !== cp.parentId
  ) {
    throw new InvalidArgumentError(
      `save option changes must describe the change from the checkpoint's parent (${cp.parentId ?? "none"})`,
    );
  }
  if (!isPlainRecord(cp.state))
    throw new InvalidArgumentError("save option changes needs a state that is a plain object of channels");
  if (!Array.isArray(changes.whole) || !isPlainRecord(changes.appended)) {
    throw new InvalidArgumentError("save option changes needs a whole array and an appended object");
  }
  const state = cp.state;
  for (const key of changes.whole) {
    if (typeof key !== "string" || !Object.prototype.hasOwnProperty.call(state, key)) {
      throw new InvalidArgumentError(`save option changes names channel ${String(key)}, which the state does not hold`);
    }
  }
  for (const key of Object.keys(changes.appended)) {
    const value = Object.prototype.hasOwnProperty.call(state, key) ? state[key] : undefined;
    const count = changes.appended[key];
    if (
      !Array.isArray(value) ||
      !Number.isSafeInteger(count) ||
      (count as number) < 0 ||
      (count as number) > value.length
    ) {
      throw new InvalidArgumentError(
        `save option changes appends ${String(count)} items to channel ${key}, which does not hold them`,
      );
    }
  }
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Folds the rows of a chain, from its full row (first) down to the checkpoint read (last), into the checkpoint's
 * full state with fresh objects. Throws {@link CheckpointCorruptError} naming `id` when the chain does not start
 * with a full row or a row is malformed — never a silently shorter state.
 */
export function foldChain(id: string, rows: readonly EncodedRowState[]): unknown {
  const first = rows[0];
  if (first === undefined || first === null || typeof first !== "object" || first.base === undefined) {
    throw new CheckpointCorruptError(id, "its chain of incremental rows does not reach a full row");
  }
  const base = decodeValue(first.base);
  if (rows.length === 1 && first.whole?.length === 0 && first.items?.length === 0) return base;
  if (!isPlainRecord(base))
    throw new CheckpointCorruptError(id, "changes follow a full state that is not an object of channels");
  const state = base;
  for (const row of rows) {
    if (row === null || typeof row !== "object" || !Array.isArray(row.whole) || !Array.isArray(row.items)) {
      throw new CheckpointCorruptError(id, "a row of its chain has no whole/items lists");
    }
    if (row !== first && row.base !== undefined) throw new CheckpointCorruptError(id, "its chain holds two full rows");
    for (const pair of row.whole) {
      if (!Array.isArray(pair) || typeof pair[0] !== "string")
        throw new CheckpointCorruptError(id, "a whole value is not a [channel, value] pair");
      setOwn(state, pair[0], decodeValue(pair[1]));
    }
    for (const pair of row.items) {
      if (!Array.isArray(pair) || typeof pair[0] !== "string" || !Array.isArray(pair[1])) {
        throw new CheckpointCorruptError(id, "appended items are not a [channel, items] pair");
      }
      const key = pair[0];
      let target = Object.prototype.hasOwnProperty.call(state, key) ? state[key] : undefined;
      if (target !== undefined && !Array.isArray(target)) {
        throw new CheckpointCorruptError(id, `items are appended to channel ${key}, which does not hold a list`);
      }
      // Decoded values are fresh objects (decodeValue shares nothing), so the list can grow in place — unless a
      // registered type handed back a frozen one.
      if (target === undefined || Object.isFrozen(target)) {
        target = [...((target as unknown[] | undefined) ?? [])];
        setOwn(state, key, target);
      }
      for (const item of pair[1]) (target as unknown[]).push(decodeValue(item));
    }
  }
  return state;
}

/**
 * Row `newer` merged into row `older`, its parent: the result folds exactly like `older` then `newer` — a full
 * `newer` replaces everything, `newer`'s whole values win, its items follow `older`'s, and a channel `newer` writes
 * whole drops the items `older` appended to it.
 */
export function mergeRows(older: EncodedRowState, newer: EncodedRowState): EncodedRowState {
  if (newer.base !== undefined)
    return { base: newer.base, whole: [...newer.whole], items: newer.items.map(([k, l]) => [k, [...l]]) };
  const overwritten = new Set(newer.whole.map(([key]) => key));
  const whole = new Map<string, JsonValue>(older.whole);
  for (const [key, value] of newer.whole) {
    whole.delete(key); // re-inserted last: the order of `whole` is the order the values were written
    whole.set(key, value);
  }
  const items = new Map<string, JsonValue[]>();
  for (const [key, list] of older.items) if (!overwritten.has(key)) items.set(key, [...list]);
  for (const [key, list] of newer.items) items.set(key, [...(items.get(key) ?? []), ...list]);
  const merged: EncodedRowState = { whole: [...whole], items: [...items] };
  if (older.base !== undefined) merged.base = older.base;
  return merged;
}

/** What {@link planRowRemoval} needs to know of one stored row of an execution. */
export interface RowHeader {
  /** Checkpoint id. */
  id: string;
  /** The row it continues, if any. */
  parentId?: string | undefined;
  /** Version: rows are processed oldest first. */
  version: number;
  /** Kept only because other rows read through it (not a checkpoint callers see any more). */
  hidden: boolean;
}

/**
 * How to delete checkpoints from an incremental store without breaking the chains that read through them, in the
 * order to apply it: `merge` steps fold a row into its hidden parent (the child's children are re-parented to the
 * parent), then `hide` marks rows that others still need, and `remove` deletes rows (with their items) nothing
 * needs any more.
 */
export interface RowRemovalPlan {
  /** Fold row `from` into its parent `into`, re-parent `from`'s children to `into`, delete `from`. In order. */
  merge: { from: string; into: string }[];
  /** Mark as hidden: no longer a checkpoint, still read by the rows below. */
  hide: string[];
  /** Delete, with its items. */
  remove: string[];
}

/**
 * Plans the deletion of `victims` from one execution's `rows` (all of them, hidden ones too):
 *
 * 1. a row to go that no row continues is removed, and so is a hidden parent left without children, up the chain;
 * 2. a row to go that others continue is hidden instead;
 * 3. a hidden row whose parent is hidden and has no other child is merged into it, so a linear execution pruned to its
 *    newest checkpoints keeps one hidden base below them and each pass folds one step into it.
 */
export function planRowRemoval(rows: readonly RowHeader[], victims: ReadonlySet<string>): RowRemovalPlan {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const children = new Map<string, Set<string>>();
  const parentOf = new Map<string, string | undefined>();
  for (const row of rows) {
    const parent = row.parentId !== undefined && byId.has(row.parentId) ? row.parentId : undefined;
    parentOf.set(row.id, parent);
    if (parent !== undefined) {
      let set = children.get(parent);
      if (set === undefined) children.set(parent, (set = new Set()));
      set.add(row.id);
    }
  }
  const gone = new Set<string>(); // removed or merged away
  const hidden = new Set(rows.filter((row) => row.hidden || victims.has(row.id)).map((row) => row.id));
  const plan: RowRemovalPlan = { merge: [], hide: [], remove: [] };

  // Newest first, so a removed leaf lets its hidden parent go in the same pass.
  const newestFirst = [...rows].sort((a, b) => b.version - a.version);
  for (const row of newestFirst) {
    let id: string | undefined = row.id;
    while (id !== undefined && hidden.has(id) && !gone.has(id) && (children.get(id)?.size ?? 0) === 0) {
      gone.add(id);
      plan.remove.push(id);
      const parent: string | undefined = parentOf.get(id);
      if (parent !== undefined) children.get(parent)?.delete(id);
      id = parent;
    }
  }
  // Oldest first, so a chain of hidden rows folds into its oldest one.
  const oldestFirst = [...rows].sort((a, b) => a.version - b.version);
  for (const row of oldestFirst) {
    if (gone.has(row.id) || !hidden.has(row.id)) continue;
    const parent = parentOf.get(row.id);
    if (parent !== undefined && hidden.has(parent) && !gone.has(parent) && children.get(parent)?.size === 1) {
      plan.merge.push({ from: row.id, into: parent });
      gone.add(row.id);
      children.get(parent)?.delete(row.id);
      for (const child of children.get(row.id) ?? []) {
        parentOf.set(child, parent);
        children.get(parent)?.add(child);
      }
      children.delete(row.id);
      // The parent now stands where the merged row stood; a later row may merge into it in turn.
      continue;
    }
  }
  for (const id of victims) {
    const row = byId.get(id);
    if (row !== undefined && !row.hidden && !gone.has(id)) plan.hide.push(id);
  }
  return plan;
}
