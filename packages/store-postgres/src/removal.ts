import { CheckpointCorruptError } from "@lg/core";
import {
  decodeValue,
  encodeValue,
  planRowRemoval,
  type JsonValue,
  type PruneCandidate,
  type RowHeader,
} from "@lg/core/store";
import type { TransactionSql } from "postgres";
import { arrayLiteral } from "./batch.js";
import { HeaderCol, StateCol, type RemovalStatements } from "./removal-sql.js";
import { jsonColumn, toJsonbText } from "./rows.js";

/**
 * `delete` and `prune` on an incremental table, as one transaction per call (docs/incremental-checkpoints.md):
 *
 * 1. Every row of the execution is locked `FOR UPDATE`, then its rows are read (a new snapshot, so a save that linked
 *    a row to one of them before the lock is seen; one that tries after waits, then finds its parent gone and is
 *    stored whole).
 * 2. The checkpoints to delete are chosen among the visible rows, and core's `planRowRemoval` says what becomes of
 *    each row: a hidden row is merged into its hidden parent (the parent takes its changed channels and its items,
 *    and its children's links), a deleted checkpoint later rows read through is hidden, the rest goes with its items.
 * 3. The writes are sent together (pipelined) and commit together.
 *
 * @packageDocumentation
 */

/** A visible checkpoint as the removal sees it: what `selectPruneVictims` needs. */
export type RemovalCandidate = PruneCandidate;

/** Picks the checkpoints to delete among the execution's visible ones (ascending version). */
export type ChooseVictims = (visible: readonly RemovalCandidate[]) => readonly string[];

/** The state of a row taking part in merges, as merged so far. */
interface MergedRow {
  kind: string;
  state: JsonValue;
  counts: Map<string, number>;
  changed: boolean;
}

const FULL = "full";

const isRecord = (value: unknown): value is Record<string, JsonValue> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

const own = (target: object, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
};

/**
 * A full row's encoded state with channels written whole applied: key by key when the encoded state is a plain object
 * (its keys are the channels), through a decode and encode otherwise (a state with a `$lg` channel is escaped).
 */
function applyWhole(id: string, base: JsonValue, whole: readonly [string, JsonValue][]): JsonValue {
  if (isRecord(base) && !Object.prototype.hasOwnProperty.call(base, "$lg")) {
    const merged = new Map(Object.entries(base));
    for (const [key, value] of whole) merged.set(key, value);
    return Object.fromEntries(merged) as JsonValue;
  }
  const state = decodeValue(base);
  if (!isRecord(state))
    throw new CheckpointCorruptError(id, "changes follow a full state that is not an object of channels");
  for (const [key, value] of whole) own(state, key, decodeValue(value));
  return encodeValue(state, "state");
}

function parseRow(row: readonly unknown[]): MergedRow {
  const id = String(row[StateCol.Id]);
  const countsText = row[StateCol.Counts];
  const counts = countsText === null ? {} : jsonColumn(countsText, id, "item_counts");
  if (!isRecord(counts)) throw new CheckpointCorruptError(id, "its item counts are not an object");
  return {
    kind: String(row[StateCol.Kind]),
    state: jsonColumn(row[StateCol.State], id, "state"),
    counts: new Map(Object.entries(counts).map(([channel, n]) => [channel, Number(n)])),
    changed: false,
  };
}

/**
 * `clear` in `tx`: the registry record (`removeRecord`, param: execution id), then every row of the execution, sent
 * together (pipelined, run in order). The record goes first: a fenced save locks it before any checkpoint row, so the
 * two are taken in the same order (no deadlock) and a save waiting on it then finds its lease gone. The rows are
 * locked before they are deleted, so that a save continuing one of them either lands before (and goes too) or finds
 * its parent gone and is stored whole.
 */
export async function clearExecution(
  tx: TransactionSql,
  s: RemovalStatements,
  removeRecord: string,
  executionId: string,
): Promise<void> {
  const run = (text: string) => tx.unsafe(text, [executionId], { prepare: true });
  await Promise.all([run(removeRecord), run(s.lock), run(s.clear)]);
}

/** Runs one removal in `tx`; returns how many checkpoints it deleted. */
export async function removeCheckpoints(
  tx: TransactionSql,
  s: RemovalStatements,
  executionId: string,
  choose: ChooseVictims,
): Promise<number> {
  const run = (text: string, params: (string | null)[]) => tx.unsafe(text, params, { prepare: true });
  const [, headerRows] = await Promise.all([run(s.lock, [executionId]), run(s.rowHeaders, [executionId]).values()]);
  const headers: RowHeader[] = [];
  const visible: RemovalCandidate[] = [];
  for (const row of headerRows as unknown[][]) {
    const id = String(row[HeaderCol.Id]);
    const version = Number(row[HeaderCol.Version]);
    const chainId = row[HeaderCol.ChainId];
    const hidden = row[HeaderCol.Hidden] === true;
    headers.push({ id, version, hidden, parentId: typeof chainId === "string" ? chainId : undefined });
    if (!hidden) visible.push({ id, version, timestamp: Number(row[HeaderCol.TimestampMs]) });
  }
  visible.sort((a, b) => a.version - b.version);
  const victims = new Set(choose(visible));
  if (victims.size === 0) return 0;
  const plan = planRowRemoval(headers, victims);
  const writes: Promise<unknown>[] = [];
  if (plan.merge.length > 0) {
    const ids = [...new Set(plan.merge.flatMap(({ from, into }) => [from, into]))];
    const states = (await run(s.rowStates, [executionId, arrayLiteral(ids)]).values()) as unknown[][];
    const rows = new Map(states.map((row) => [String(row[StateCol.Id]), parseRow(row)]));
    for (const { from, into } of plan.merge) {
      const source = rows.get(from);
      const target = rows.get(into);
      if (source === undefined || target === undefined) continue; // both locked: unreachable
      const dropped = merge(from, source, into, target);
      if (dropped.length > 0) writes.push(run(s.dropItems, [into, arrayLiteral(dropped)]));
      writes.push(run(s.reownItems, [from, into]), run(s.repoint, [executionId, from, into]));
      writes.push(run(s.remove, [executionId, arrayLiteral([from])]));
      rows.delete(from);
    }
    for (const [id, row] of rows) {
      if (!row.changed) continue;
      const counts = row.counts.size === 0 ? null : JSON.stringify(Object.fromEntries(row.counts));
      writes.push(run(s.writeRow, [id, row.kind, toJsonbText(row.state), counts]));
    }
  }
  if (plan.hide.length > 0) writes.push(run(s.hide, [executionId, arrayLiteral(plan.hide)]));
  if (plan.remove.length > 0) writes.push(run(s.remove, [executionId, arrayLiteral(plan.remove)]));
  await Promise.all(writes);
  return victims.size;
}

/**
 * Merges row `source` into its parent `target` (as core's `mergeRows` does) and returns the channels whose items the
 * target must drop: those the source wrote whole.
 */
function merge(from: string, source: MergedRow, into: string, target: MergedRow): string[] {
  target.changed = true;
  if (source.kind === FULL) {
    // A full row replaces everything (not written by the store, which links only delta rows, but well-defined).
    const dropped = [...target.counts.keys()];
    target.kind = FULL;
    target.state = source.state;
    target.counts = new Map(source.counts);
    return dropped;
  }
  if (!isRecord(source.state))
    throw new CheckpointCorruptError(from, "its changed channels are not an object of channels");
  const whole = Object.entries(source.state);
  const overwritten = new Set(whole.map(([key]) => key));
  if (target.kind === FULL) target.state = applyWhole(into, target.state, whole);
  else if (isRecord(target.state)) {
    const merged = new Map(Object.entries(target.state).filter(([key]) => !overwritten.has(key)));
    for (const [key, value] of whole) merged.set(key, value);
    target.state = Object.fromEntries(merged) as JsonValue;
  } else throw new CheckpointCorruptError(into, "its changed channels are not an object of channels");
  const dropped = [...target.counts.keys()].filter((channel) => overwritten.has(channel));
  for (const channel of dropped) target.counts.delete(channel);
  for (const [channel, n] of source.counts) target.counts.set(channel, (target.counts.get(channel) ?? 0) + n);
  return dropped;
}
