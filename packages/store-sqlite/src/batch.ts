import { CheckpointConflictError } from "@lg/core";
import type Database from "better-sqlite3";
import type { SqliteDatabase } from "./options.js";
import { rowMatchesParams, type InsertParams } from "./rows.js";
import type { CheckpointRow } from "./sql.js";
import { isUniqueViolation } from "./sqlite-errors.js";

/**
 * `saveMany`'s transaction: the prepared insert per item, a duplicate resolved inside it as `save` resolves it (an
 * identical row passes, anything else is a conflict), and a conflict rolling the whole batch back.
 *
 * @packageDocumentation
 */

/** Writes one batch of insert parameters; run it with `.immediate(rows)` to take the write lock up front. */
export type BatchWriter = Database.Transaction<(batch: readonly InsertParams[]) => void>;

/** Builds the batch transaction of a connection from its prepared insert and load-by-id statements. */
export function batchWriter(
  db: SqliteDatabase,
  insert: Database.Statement<InsertParams>,
  load: Database.Statement<[id: string], CheckpointRow>,
): BatchWriter {
  return db.transaction((batch: readonly InsertParams[]) => {
    for (const params of batch) {
      try {
        insert.run(...params);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const existing = load.get(params[0]);
        if (existing === undefined || !rowMatchesParams(existing, params)) {
          throw new CheckpointConflictError(params[1], params[6], { cause: error });
        }
      }
    }
  });
}
