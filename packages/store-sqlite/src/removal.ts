/**
 * `delete`, `prune` and `clear` on incremental rows: core's `planRowRemoval` decides which rows go, which stay
 * hidden because later rows read through them, and which hidden rows merge into their hidden parent; this module
 * applies the plan in one `BEGIN IMMEDIATE` transaction, so no reader ever sees a chain half rewritten.
 *
 * @packageDocumentation
 */
import { CheckpointCorruptError } from "@lg/core";
import {
  TAG,
  encodeValue,
  foldChain,
  parseJsonColumn,
  planRowRemoval,
  type JsonValue,
  type PruneCandidate,
} from "@lg/core/store";
import type Database from "better-sqlite3";
import type { SqliteDatabase } from "./options.js";

type Statement<Params extends unknown[], Row = unknown> = Database.Statement<Params, Row>;

/** `rowHeaders`' rows: id, chain_parent, version, hidden, timestamp. */
export type HeaderRow = [id: string, link: string | null, version: number, hidden: number, timestamp: number];

/** `mergeSource`'s rows: kind, state, item_counts. */
export type MergeRow = [kind: string, state: string, itemCounts: string | null];

/** The statements removal needs (chain-sql.ts `removalSql`, and the store's clear statements). */
export interface RemovalStatements {
  rowHeaders: Statement<[executionId: string], HeaderRow>;
  executionOf: Statement<[id: string], string>;
  mergeSource: Statement<[id: string], MergeRow>;
  rewrite: Statement<[kind: string, state: string, itemCounts: string | null, id: string]>;
  reownItems: Statement<[owner: string, from: string]>;
  dropChannelItems: Statement<[owner: string, channel: string]>;
  repoint: Statement<[link: string, executionId: string, from: string]>;
  hide: Statement<[id: string]>;
  deleteItems: Statement<[owner: string]>;
  deleteRow: Statement<[id: string]>;
  clearItems: Statement<[executionId: string]>;
  clear: Statement<[executionId: string]>;
  /** The execution registry's record, by execution id. */
  deleteRecord: Statement<[executionId: string]>;
}

/** Chooses the checkpoints to delete among an execution's visible rows, sorted by ascending version. */
export type ChooseVictims = (ascending: readonly PruneCandidate[]) => string[];

function isRecord(value: JsonValue): value is { [key: string]: JsonValue } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The state text of a row with `whole` written over it. A delta row's state is an object of channels; so is a full
 * row's encoded state unless the codec escaped it (a channel named like its tag) or it is no object: then it is
 * decoded, folded and encoded again.
 */
function overlay(id: string, kind: string, text: string, whole: readonly [string, JsonValue][]): string {
  const value = parseJsonColumn(text, id, "state");
  const escaped =
    kind === "full" &&
    isRecord(value) &&
    (Object.prototype.hasOwnProperty.call(value, TAG) || whole.some(([k]) => k === TAG));
  if (isRecord(value) && !escaped) {
    const written = new Set(whole.map(([key]) => key));
    // Object.fromEntries defines own properties, so a "__proto__" channel stays an ordinary key.
    return JSON.stringify(Object.fromEntries([...Object.entries(value).filter(([k]) => !written.has(k)), ...whole]));
  }
  if (kind !== "full")
    throw new CheckpointCorruptError(id, "the state column of a delta row is not an object of channels");
  return JSON.stringify(encodeValue(foldChain(id, [{ base: value, whole: [...whole], items: [] }]), "state"));
}

function countsOf(id: string, text: string | null): Map<string, number> {
  const parsed = text === null ? [] : parseJsonColumn(text, id, "item_counts");
  if (!Array.isArray(parsed)) throw new CheckpointCorruptError(id, "its item counts are not a list");
  return new Map(parsed as [string, number][]);
}

/** Deletes checkpoints of one connection's store; each method is one transaction. */
export class Remover {
  /** Deletes the checkpoints `choose` picks in one execution; returns how many. */
  readonly removeIn: Database.Transaction<(executionId: string, choose: ChooseVictims) => number>;
  /** Deletes one checkpoint by id (a hidden or unknown id is a no-op). */
  readonly removeById: Database.Transaction<(id: string) => void>;
  /** Deletes every row and item of an execution, and its registry record. */
  readonly clear: Database.Transaction<(executionId: string) => void>;

  constructor(
    db: SqliteDatabase,
    private readonly s: RemovalStatements,
  ) {
    const removeIn = (executionId: string, choose: ChooseVictims): number => this.apply(executionId, choose);
    this.removeIn = db.transaction(removeIn);
    this.removeById = db.transaction((id: string) => {
      const executionId = s.executionOf.get(id);
      if (executionId !== undefined) removeIn(executionId, (visible) => (visible.some((c) => c.id === id) ? [id] : []));
    });
    this.clear = db.transaction((executionId: string) => {
      s.clearItems.run(executionId);
      s.clear.run(executionId);
      s.deleteRecord.run(executionId);
    });
  }

  private apply(executionId: string, choose: ChooseVictims): number {
    const rows = this.s.rowHeaders.all(executionId);
    const visible = rows
      .filter((row) => row[3] === 0)
      .map(([id, , version, , timestamp]) => ({ id, version, timestamp }))
      .sort((a, b) => a.version - b.version);
    const victims = choose(visible);
    if (victims.length === 0) return 0;
    const headers = rows.map(([id, link, version, hidden]) => ({
      id,
      parentId: link ?? undefined,
      version,
      hidden: hidden === 1,
    }));
    const plan = planRowRemoval(headers, new Set(victims));
    for (const { from, into } of plan.merge) this.merge(executionId, from, into);
    for (const id of plan.hide) this.s.hide.run(id);
    for (const id of plan.remove) {
      this.s.deleteItems.run(id);
      this.s.deleteRow.run(id);
    }
    return victims.length;
  }

  /**
   * Folds delta row `from` into `into`, the hidden row it continues, as `mergeRows` does: its whole channels are
   * written over `into`'s (whose items of those channels go), its items are re-owned by `into` (keeping their
   * versions, so they still follow `into`'s own), its children continue `into`, and it is deleted. Only the merged
   * step's data is touched, however long the chain.
   */
  private merge(executionId: string, from: string, into: string): void {
    const source = this.s.mergeSource.get(from);
    const target = this.s.mergeSource.get(into);
    if (source === undefined || target === undefined) return;
    if (source[0] !== "delta")
      throw new CheckpointCorruptError(from, "a row merged into its parent is not a delta row");
    const written = parseJsonColumn(source[1], from, "state");
    if (!isRecord(written))
      throw new CheckpointCorruptError(from, "the state column of a delta row is not an object of channels");
    const whole = Object.entries(written);
    const counts = countsOf(into, target[2]);
    for (const [channel] of whole) {
      this.s.dropChannelItems.run(into, channel);
      counts.delete(channel);
    }
    for (const [channel, count] of countsOf(from, source[2])) counts.set(channel, (counts.get(channel) ?? 0) + count);
    const state = overlay(into, target[0], target[1], whole);
    this.s.rewrite.run(target[0], state, counts.size === 0 ? null : JSON.stringify([...counts]), into);
    this.s.reownItems.run(into, from);
    this.s.repoint.run(into, executionId, from);
    this.s.deleteRow.run(from);
  }
}
