import { StoreUnavailableError } from "@lg/core";
import type postgres from "postgres";
import { assertAdoptable } from "./adopt.js";
import { incrementalStatements } from "./incremental-migration.js";
import { replaceKeysStatement } from "./key-migration.js";
import { registryStatements } from "./registry-migration.js";
import type { PostgresClient, ResolvedPostgresOptions } from "./options.js";
import { denseValues } from "./dense.js";

/**
 * Versioned schema migrations, applied by `setup()`.
 *
 * Each applied version is recorded in `<table>_migrations` (same schema). A run holds a session-level advisory
 * lock on ONE reserved connection, so any number of processes may call `setup()` at once: one applies what is
 * pending, the others wait and then find nothing left to do. The lock is taken by polling
 * `pg_try_advisory_lock` rather than by blocking in `pg_advisory_lock`: a waiter blocked inside a statement keeps
 * a snapshot open, and `CREATE INDEX CONCURRENTLY` run by the lock holder waits for every older snapshot, which
 * would deadlock the two.
 *
 * @packageDocumentation
 */

/** One schema change. */
export interface Migration {
  /** Position in the sequence, from 1, never reused. */
  version: number;
  /** What it does, recorded with the version. */
  name: string;
  /**
   * `false` for statements PostgreSQL refuses inside a transaction block (`CREATE INDEX CONCURRENTLY`, …).
   * Such statements run one by one in autocommit mode and must be idempotent (`IF NOT EXISTS`), since a crash
   * between a statement and the recording of the version makes the next run repeat them. Default `true`: the
   * statements and the recording commit together or not at all.
   */
  transactional?: boolean;
  /** The statements, built from the store's quoted identifiers. */
  statements(o: ResolvedPostgresOptions): string[];
}

/** The migrations of the checkpoint table, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "create checkpoint table and indexes",
    statements: (o) => [
      // The seed's columns, plus parent_id and next. Ids compare in byte order (COLLATE "C"): it is what makes
      // listExecutions' order the same on every server whatever its default collation, and it is faster.
      `CREATE TABLE IF NOT EXISTS ${o.qualifiedTable} (` +
        'id TEXT COLLATE "C" PRIMARY KEY, ' +
        'execution_id TEXT COLLATE "C" NOT NULL, ' +
        "node_name TEXT NOT NULL, " +
        "state JSONB NOT NULL, " +
        "metadata JSONB, " +
        '"timestamp" TIMESTAMPTZ NOT NULL, ' +
        "version INTEGER NOT NULL, " +
        'parent_id TEXT COLLATE "C", ' +
        "next JSONB NOT NULL DEFAULT '[]')",
      // Decides version conflicts and serves list, latest, prune and the execution scan.
      `CREATE UNIQUE INDEX IF NOT EXISTS ${o.quotedExecutionIndex} ON ${o.qualifiedTable} (execution_id, version)`,
      // Serves retention jobs that delete by age across executions.
      `CREATE INDEX IF NOT EXISTS ${o.quotedTimestampIndex} ON ${o.qualifiedTable} ("timestamp")`,
    ],
  },
  {
    version: 2,
    name: "add tasks column",
    // Checkpoint.tasks, NULL for rows written before it existed (core reads their metadata keys instead). A
    // nullable column without a default is added without rewriting the table. IF NOT EXISTS: an adopted table may
    // have it already (the adoption check makes sure it is JSONB).
    statements: (o) => [`ALTER TABLE ${o.qualifiedTable} ADD COLUMN IF NOT EXISTS tasks JSONB`],
  },
  {
    version: 3,
    name: "key ids of any length",
    statements: (o) => [replaceKeysStatement(o)],
  },
  {
    version: 4,
    name: "64-bit versions",
    // Versions go past 2^31 - 1 in a long-lived execution (or one that was copied in with high versions). The type
    // change rewrites the table and its indexes once, holding a lock that blocks writes while it runs.
    statements: (o) => [`ALTER TABLE ${o.qualifiedTable} ALTER COLUMN version TYPE BIGINT`],
  },
  {
    version: 5,
    name: "incremental checkpoints",
    statements: incrementalStatements,
  },
  {
    version: 6,
    name: "execution registry",
    statements: registryStatements,
  },
];

/** What a migration run did. */
export interface MigrationResult {
  /** Versions applied by this run (empty when the schema was already up to date). */
  applied: number[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function appliedVersions(sql: postgres.Sql, o: ResolvedPostgresOptions): Promise<Set<number> | undefined> {
  const [exists] = await denseValues(sql, "SELECT to_regclass($1::text) IS NOT NULL", [o.qualifiedMigrationsTable]);
  if (exists?.[0] !== true) return undefined;
  const rows = await denseValues(sql, `SELECT version FROM ${o.qualifiedMigrationsTable}`);
  return new Set(rows.map((row) => Number(row[0])));
}

function pendingOf(migrations: readonly Migration[], applied: Set<number> | undefined): Migration[] {
  return migrations.filter((m) => applied === undefined || !applied.has(m.version));
}

async function acquireLock(conn: postgres.ReservedSql, key: string, o: ResolvedPostgresOptions): Promise<void> {
  const deadline = Date.now() + o.migrationLockTimeoutMs;
  let wait = 20;
  for (;;) {
    const [row] = await denseValues(conn, "SELECT pg_try_advisory_lock(hashtext($1::text))", [key]);
    if (row?.[0] === true) return;
    if (Date.now() >= deadline) {
      throw new StoreUnavailableError(
        `setup() waited ${o.migrationLockTimeoutMs} ms for another process to finish migrating ` +
          `${o.qualifiedTable}; the advisory lock "${key}" is still held. Retry once that process is done.`,
      );
    }
    await sleep(wait + Math.random() * wait);
    wait = Math.min(wait * 1.5, 500);
  }
}

async function applyMigration(conn: postgres.ReservedSql, m: Migration, o: ResolvedPostgresOptions): Promise<void> {
  const record = `INSERT INTO ${o.qualifiedMigrationsTable} (version, name) VALUES ($1::integer, $2::text)`;
  if (m.transactional === false) {
    for (const statement of m.statements(o)) await conn.unsafe(statement);
    await conn.unsafe(record, [m.version, m.name]);
    return;
  }
  await conn.unsafe("BEGIN");
  try {
    for (const statement of m.statements(o)) await conn.unsafe(statement);
    await conn.unsafe(record, [m.version, m.name]);
    await conn.unsafe("COMMIT");
  } catch (error) {
    await conn.unsafe("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

async function migrateLocked(conn: postgres.ReservedSql, o: ResolvedPostgresOptions, migrations: readonly Migration[]) {
  const [schema] = await denseValues(conn, "SELECT 1 FROM pg_namespace WHERE nspname = $1::text", [o.schema]);
  // Only create the schema when it is missing: CREATE SCHEMA needs a privilege many application roles lack.
  if (schema === undefined) await conn.unsafe(`CREATE SCHEMA IF NOT EXISTS ${o.quotedSchema}`);
  const recorded = await appliedVersions(conn, o);
  // Nothing recorded yet: a table (or index) of that name was made by someone else; adopt it only when it has
  // the store's layout. Checked before the migrations table is created, so a refusal leaves nothing behind.
  if (recorded === undefined || recorded.size === 0) await assertAdoptable(conn, o);
  await conn.unsafe(
    `CREATE TABLE IF NOT EXISTS ${o.qualifiedMigrationsTable} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, ` +
      "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
  );
  const applied: number[] = [];
  for (const m of pendingOf(migrations, recorded)) {
    await applyMigration(conn, m, o);
    applied.push(m.version);
  }
  return applied;
}

/**
 * Brings the table up to the latest migration. Returns at once (two short queries) when nothing is pending; otherwise
 * takes the advisory lock on a reserved connection, applies what is still pending in order, and releases the
 * lock and the connection whatever happens.
 */
export async function runMigrations(
  sql: PostgresClient,
  o: ResolvedPostgresOptions,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationResult> {
  if (pendingOf(migrations, await appliedVersions(sql, o)).length === 0) return { applied: [] };
  const conn = await sql.reserve();
  const key = `@lg/store-postgres:${o.schema}.${o.tableName}`;
  let locked = false;
  try {
    // IF NOT EXISTS statements report "already exists" as NOTICEs, which postgres.js prints by default.
    await conn.unsafe("SET client_min_messages = warning");
    // A migration may build an index over a large table for minutes: commandTimeoutMs bounds calls, not setup().
    await conn.unsafe("SET statement_timeout = 0");
    await acquireLock(conn, key, o);
    locked = true;
    return { applied: await migrateLocked(conn, o, migrations) };
  } finally {
    if (locked) await conn.unsafe("SELECT pg_advisory_unlock(hashtext($1::text))", [key]).catch(() => undefined);
    await conn.unsafe("RESET client_min_messages").catch(() => undefined);
    await conn.unsafe("RESET statement_timeout").catch(() => undefined); // back to the connection's own bound
    conn.release();
  }
}
