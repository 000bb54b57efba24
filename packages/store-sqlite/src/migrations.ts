import { StoreUnavailableError } from "@lg/core";
import type { SqliteDatabase } from "./options.js";
import { createExecutionsSql } from "./registry-sql.js";
import { addIncrementalSql, addTasksColumnSql, createSchemaSql, type SqlNames } from "./sql.js";

/** One schema change. Versions start at 1 and increase by one; a released migration is never edited. */
export interface Migration {
  /** Schema version this migration brings the table to. */
  version: number;
  /** What it does, recorded in the migrations table. */
  name: string;
  /** Applies the change; runs inside the migration transaction. */
  up(db: SqliteDatabase, names: SqlNames): void;
}

/** Every migration of the checkpoint table, oldest first. Later releases append; they never rewrite. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "create checkpoint table and unique (execution_id, version) index",
    up(db, names) {
      assertTableIsNew(db, names);
      db.exec(createSchemaSql(names));
    },
  },
  {
    version: 2,
    name: "add tasks column (task results)",
    up(db, names) {
      db.exec(addTasksColumnSql(names));
    },
  },
  {
    version: 3,
    name: "incremental rows: kind, hidden, chain_parent, item_counts columns and the items table",
    up(db, names) {
      db.exec(addIncrementalSql(names));
    },
  },
  {
    version: 4,
    name: "execution registry: the executions table and its claim indexes",
    up(db, names) {
      db.exec(createExecutionsSql(names));
    },
  },
];

/**
 * A table of the chosen name that no migration recorded was made by someone else (for instance the seed's Go
 * store, whose index has our index's name but is not unique). Adopting it would silently lose conflict
 * detection, so refuse with advice instead.
 */
function assertTableIsNew(db: SqliteDatabase, names: SqlNames): void {
  const existing = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
    .pluck()
    .get(names.tableName);
  if (existing !== undefined) {
    throw new StoreUnavailableError(
      `table "${names.tableName}" already exists in the database but was not created by @lg/store-sqlite ` +
        `(no row in "${names.tableName}_migrations"); choose another tableName, or copy its rows into a new table`,
    );
  }
}

function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration list is out of order at index ${index} (version ${migration.version})`);
    }
  });
}

function readSchemaVersion(db: SqliteDatabase, names: SqlNames): number {
  const hasTable = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
    .pluck()
    .get(`${names.tableName}_migrations`);
  if (hasTable === undefined) return 0;
  const version = db.prepare(`SELECT MAX(version) FROM ${names.migrations}`).pluck().safeIntegers(false).get();
  return typeof version === "number" ? version : 0;
}

function assertNotNewer(current: number, latest: number, names: SqlNames): void {
  if (current > latest) {
    throw new StoreUnavailableError(
      `table "${names.tableName}" has schema version ${current}, written by a newer @lg/store-sqlite; this ` +
        `release knows versions up to ${latest}. Upgrade @lg/store-sqlite before opening this file.`,
    );
  }
}

/**
 * Brings the table to the newest schema and returns its version. Pending migrations run in order inside one
 * `BEGIN IMMEDIATE` transaction together with their records, so a crash leaves the file at the old version or the
 * new one, and two processes opening a new file at once serialize on the write lock: the second finds the work
 * done and applies nothing. An up-to-date file is detected by a read alone, without taking the write lock.
 *
 * @param migrations - the list to apply (default {@link MIGRATIONS}); tests pass longer lists to rehearse upgrades.
 */
export function migrate(db: SqliteDatabase, names: SqlNames, migrations: readonly Migration[] = MIGRATIONS): number {
  assertOrdered(migrations);
  const latest = migrations.length;
  const seen = readSchemaVersion(db, names);
  assertNotNewer(seen, latest, names);
  if (seen === latest) return latest;
  const apply = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS ${names.migrations} (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
    const current = readSchemaVersion(db, names);
    assertNotNewer(current, latest, names);
    const record = db.prepare(`INSERT INTO ${names.migrations} (version, name, applied_at) VALUES (?, ?, ?)`);
    for (const migration of migrations.slice(current)) {
      migration.up(db, names);
      record.run(migration.version, migration.name, Date.now());
    }
  });
  apply.immediate();
  return latest;
}
