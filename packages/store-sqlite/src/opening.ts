/**
 * Opening a store's connection: tuning, migrations and the prepared statements.
 *
 * @packageDocumentation
 */
import Database from "better-sqlite3";
import { migrate } from "./migrations.js";
import type { ResolvedSqliteOptions, SqliteDatabase } from "./options.js";
import { sqlNames } from "./sql.js";
import { toStoreError, type ErrorContext } from "./sqlite-errors.js";
import { prepareAll, type Statements } from "./statements.js";
import { applyTuning, type AppliedTuning } from "./tuning.js";

/** What opening a connection produces: its tuning, the schema version and the prepared statements. */
export interface Opened {
  tuning: AppliedTuning;
  schemaVersion: number;
  statements: Statements;
}

/** Tunes the connection, migrates the table and prepares the statements; throws SQLITE_BUSY when locked out. */
export function openSchema(db: SqliteDatabase, resolved: ResolvedSqliteOptions): Opened {
  const tuning = applyTuning(db, resolved);
  const names = sqlNames(resolved.tableName);
  const schemaVersion = migrate(db, names);
  return { tuning, schemaVersion, statements: prepareAll(db, names) };
}

/** Opens the database file; a failure is the store's typed error. */
export function openDatabase(path: string, context: ErrorContext): SqliteDatabase {
  try {
    return new Database(path);
  } catch (error) {
    throw toStoreError(error, context);
  }
}
