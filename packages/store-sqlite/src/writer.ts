/**
 * The store's writes of checkpoints: a full row, or — given the runtime's `changes` and a parent still stored in
 * the same execution — a delta row with its items, each in one `BEGIN IMMEDIATE` transaction; and what a second
 * save of a stored id means (an identical re-save is a no-op and brings a hidden row back, anything else is a
 * conflict).
 *
 * @packageDocumentation
 */
import { CheckpointConflictError, isLgError, type Checkpoint, type StateChanges } from "@lg/core";
import {
  deserializeCheckpoint,
  encodeCheckpoint,
  encodeIncremental,
  sameEncodedCheckpoint,
  type EncodedIncrementalCheckpoint,
  type JsonValue,
} from "@lg/core/store";
import type Database from "better-sqlite3";
import { readOne } from "./chain-read.js";
import type { ChainRecord } from "./chain-sql.js";
import type { SqliteDatabase } from "./options.js";
import { checkpointToParams, encodedToParams, rowMatchesParams, type InsertParams } from "./rows.js";
import type { CheckpointRow, StoredRow } from "./sql.js";
import { fastPathText, textToParams } from "./serialized-save.js";
import { isUniqueViolation } from "./sqlite-errors.js";

type Statement<Params extends unknown[], Row = unknown> = Database.Statement<Params, Row>;

/** INSERT parameters of a delta row: a {@link CheckpointRow} whose state holds the channels written whole, then the link and the item counts. */
export type DeltaParams = [...CheckpointRow, link: string, itemCounts: string | null];

/** INSERT parameters of one item: execution id, owner id, version, channel, index, value (JSON text). */
export type ItemParams = [
  executionId: string,
  ownerId: string,
  version: number,
  channel: string,
  idx: number,
  value: string,
];

/** The statements writing needs. */
export interface WriterStatements {
  insert: Statement<InsertParams>;
  insertDelta: Statement<DeltaParams>;
  insertItem: Statement<ItemParams>;
  /** By id, hidden rows included: execution id and version. */
  parentOf: Statement<[id: string], [executionId: string, version: number]>;
  storedRow: Statement<[id: string], StoredRow>;
  readAnyById: Statement<[id: string], ChainRecord>;
  unhide: Statement<[id: string]>;
}

/** What deciding on a second save of a stored id needs of the checkpoint being saved. */
interface SaveAttempt {
  id: string;
  executionId: string;
  version: number;
  /** The full row's INSERT parameters, when the save wrote one. */
  params: InsertParams | undefined;
  /** The checkpoint itself; asked for only when the stored row is not a plain full row. */
  checkpoint(): Checkpoint;
}

/** One checkpoint of a `saveSerialized` batch, read and checked: what its insert needs. */
export interface TextRow {
  readonly attempt: SaveAttempt;
  readonly params: InsertParams;
}

function attemptOf(checkpoint: Checkpoint, params: InsertParams | undefined): SaveAttempt {
  const { id, executionId, version } = checkpoint;
  return { id, executionId, version, params, checkpoint: () => checkpoint };
}

/** JSON text of an object with these entries; built by hand so that a `"__proto__"` key stays an ordinary key. */
function objectText(entries: readonly [string, JsonValue][]): string {
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(",")}}`;
}

/** A delta row and its items as INSERT parameters, continuing the row `link`. */
export function deltaToParams(
  encoded: EncodedIncrementalCheckpoint,
  link: string,
): { row: DeltaParams; items: ItemParams[] } {
  const { header, row } = encoded;
  const counts: [string, number][] = [];
  const items: ItemParams[] = [];
  for (const [channel, list] of row.items) {
    if (list.length === 0) continue;
    counts.push([channel, list.length]);
    list.forEach((item, idx) => {
      items.push([header.executionId, header.id, header.version, channel, idx, JSON.stringify(item)]);
    });
  }
  const itemCounts = counts.length === 0 ? null : JSON.stringify(counts);
  return {
    row: [...encodedToParams(header, objectText(row.whole)), link, itemCounts],
    items,
  };
}

/** Saves checkpoints on one connection; every method runs synchronously inside the caller's transaction or its own. */
export class Writer {
  /** Saves a delta row when its parent is stored in the same execution with an older version, else a full row; one transaction. */
  readonly saveDelta: Database.Transaction<
    (checkpoint: Checkpoint, encoded: EncodedIncrementalCheckpoint, link: string) => void
  >;
  /** Saves full rows, all or nothing; one transaction. */
  readonly saveFull: Database.Transaction<
    (checkpoints: readonly Checkpoint[], params: readonly InsertParams[]) => void
  >;
  /**
   * Saves checkpoints read by {@link prepareTexts} as full rows, all or nothing; one transaction. A conflict throws
   * once every item is inserted, the first in batch order.
   */
  readonly saveTexts: Database.Transaction<(rows: readonly TextRow[]) => void>;

  constructor(
    db: SqliteDatabase,
    private readonly statements: WriterStatements,
  ) {
    this.saveDelta = db.transaction((checkpoint, encoded, link) => {
      const parent = statements.parentOf.get(link);
      if (parent?.[0] !== encoded.header.executionId || !(parent[1] < encoded.header.version)) {
        // The parent went (deleted meanwhile), belongs elsewhere or is not older (chains only go to older versions):
        // nothing to read through, so the row is whole.
        this.insertFull(checkpoint, checkpointToParams(checkpoint));
        return;
      }
      const delta = deltaToParams(encoded, link);
      try {
        statements.insertDelta.run(...delta.row);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        this.resolveDuplicate(attemptOf(checkpoint, undefined), error);
        return;
      }
      for (const item of delta.items) statements.insertItem.run(...item);
    });
    this.saveFull = db.transaction((checkpoints, params) => {
      params.forEach((row, i) => this.insertFull(checkpoints[i] as Checkpoint, row));
    });
    this.saveTexts = db.transaction((rows) => {
      let conflict: unknown;
      for (const { attempt, params } of rows) {
        try {
          this.insertAttempt(attempt, params);
        } catch (error) {
          if (!isLgError(error, "LG_CHECKPOINT_CONFLICT")) throw error;
          conflict ??= error;
        }
      }
      if (conflict !== undefined) throw conflict;
    });
  }

  /**
   * Reads checkpoints given as encoded JSON text into the rows {@link saveTexts} inserts, before any lock is taken: a
   * writer in another connection keeps writing while this one parses (an import running several at once overlaps
   * them). Each text's columns are taken as parsed when they pass the checks, else the text is decoded, as
   * `saveMany` saves it. Text that is no checkpoint throws its error at once, the first in batch order, as `saveMany`
   * validates every item before writing.
   */
  prepareTexts(texts: readonly string[]): TextRow[] {
    return Array.from(texts, (text) => {
      const params = fastPathText(text) ? textToParams(text) : undefined;
      if (params === undefined) {
        const checkpoint = deserializeCheckpoint(text);
        const full = checkpointToParams(checkpoint);
        return { attempt: attemptOf(checkpoint, full), params: full };
      }
      const [id, executionId, , , , , version] = params;
      return { attempt: { id, executionId, version, params, checkpoint: () => deserializeCheckpoint(text) }, params };
    });
  }

  /**
   * The write of one `save`: the checkpoint is encoded now (a value the codec refuses throws before any lock is
   * taken), and written when the returned function runs, as a delta row given `changes`, else as a full row. Run
   * inside another transaction (a fenced save), the delta row's transaction becomes a savepoint of it.
   */
  prepareSave(checkpoint: Checkpoint, changes: StateChanges | undefined): () => void {
    if (changes === undefined) {
      const params = checkpointToParams(checkpoint);
      return () => this.insertFull(checkpoint, params);
    }
    const encoded = encodeIncremental(checkpoint, changes);
    return () => this.saveDelta.immediate(checkpoint, encoded, changes.parentId);
  }

  /** Inserts a full row; a duplicate is resolved by {@link resolveDuplicate}. */
  insertFull(checkpoint: Checkpoint, params: InsertParams): void {
    this.insertAttempt(attemptOf(checkpoint, params), params);
  }

  private insertAttempt(attempt: SaveAttempt, params: InsertParams): void {
    try {
      this.statements.insert.run(...params);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      this.resolveDuplicate(attempt, error);
    }
  }

  /**
   * After a unique violation: a checkpoint stored with the same content (compared as full checkpoints, however
   * each was stored) is a no-op and a hidden one comes back; anything else holding the id or the version is a
   * `CheckpointConflictError`.
   */
  private resolveDuplicate(attempt: SaveAttempt, cause: unknown): void {
    const stored = this.statements.storedRow.get(attempt.id);
    if (stored === undefined || !this.holdsSame(stored, attempt)) {
      throw new CheckpointConflictError(attempt.executionId, attempt.version, { cause });
    }
    if (stored[12] === 1) this.statements.unhide.run(attempt.id);
  }

  private holdsSame(stored: StoredRow, attempt: SaveAttempt): boolean {
    const [kind, itemCounts] = [stored[10], stored[11]];
    if (kind === "full" && itemCounts === null) {
      const params = attempt.params ?? checkpointToParams(attempt.checkpoint());
      return rowMatchesParams(stored.slice(0, 10) as CheckpointRow, params);
    }
    try {
      const existing = readOne(this.statements.readAnyById.all(attempt.id));
      return (
        existing !== undefined &&
        sameEncodedCheckpoint(encodeCheckpoint(existing.checkpoint), encodeCheckpoint(attempt.checkpoint()))
      );
    } catch (error) {
      if (isLgError(error, "LG_CHECKPOINT_CORRUPT")) return false; // a damaged row matches nothing: a conflict
      throw error;
    }
  }
}
