import postgres from "postgres";
import { createClient } from "redis";
import { rmSync } from "node:fs";
import {
  postgresSchema,
  redisPrefix,
  removeScratch,
  sqlitePath,
  type BackendEnv,
  type BackendName,
  type SystemKey,
} from "./backends.js";

/**
 * Removes everything this run created, whatever happened before: its PostgreSQL schemas (`lgbench_<tag>_*`), its
 * Redis keys (`lgbench:<tag>:*`, found with SCAN and removed with UNLINK; never FLUSHALL, the server is shared)
 * and its scratch directory of SQLite files.
 */
export async function removeRunData(env: BackendEnv, backends: readonly BackendName[]): Promise<void> {
  removeScratch(env);
  // A server that is down has nothing of this run to remove; say so instead of hiding the run's own error.
  const attempt = async (what: string, work: () => Promise<void>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      process.stderr.write(
        `[bench] cleanup of ${what} failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
  };
  if (backends.includes("postgres")) {
    await attempt(`PostgreSQL schemas lgbench_${env.runTag}_*`, () => dropSchemas(env, `lgbench\\_${env.runTag}\\_%`));
  }
  if (backends.includes("redis"))
    await attempt(`Redis keys lgbench:${env.runTag}:*`, () => deleteKeys(env, `lgbench:${env.runTag}:*`));
}

/**
 * Refreshes the planner statistics of this run's PostgreSQL tables after bulk seeding, as autovacuum would soon
 * do on its own: right after 10,000 inserts the planner still believes the tables are empty, and a query plan
 * chosen for an empty table would measure that accident rather than the store.
 */
export async function analyzeRunTables(env: BackendEnv): Promise<void> {
  const sql = postgres(env.postgresUrl, { max: 1, onnotice: () => undefined });
  try {
    const rows = await sql<{ nspname: string; relname: string }[]>`
      SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname LIKE ${`lgbench\\_${env.runTag}\\_%`}`;
    for (const { nspname, relname } of rows) await sql.unsafe(`ANALYZE "${nspname}"."${relname}"`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Removes what one system of the run stored on `backend` as soon as it has been measured (the growing-state
 * workload stores hundreds of megabytes; the shared servers should not hold them until the end of the run).
 */
export async function removeSystemData(backend: BackendName, env: BackendEnv, system: SystemKey): Promise<void> {
  if (backend === "sqlite") {
    const path = sqlitePath(env, system);
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
  }
  if (backend === "postgres") await dropSchemas(env, postgresSchema(env, system).replace(/_/g, "\\_"));
  if (backend === "redis") await deleteKeys(env, `${redisPrefix(env, system)}*`);
}

/** Drops the schemas whose names match the LIKE `pattern`. */
async function dropSchemas(env: BackendEnv, pattern: string): Promise<void> {
  const sql = postgres(env.postgresUrl, { max: 1, onnotice: () => undefined });
  try {
    const rows = await sql<{ nspname: string }[]>`
      SELECT nspname FROM pg_namespace WHERE nspname LIKE ${pattern}`;
    for (const { nspname } of rows) await sql.unsafe(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Deletes the Redis keys that match the SCAN `pattern` (UNLINK, in batches). */
async function deleteKeys(env: BackendEnv, pattern: string): Promise<void> {
  const client = createClient({ url: env.redisUrl });
  client.on("error", () => undefined);
  await client.connect();
  try {
    let cursor = "0";
    do {
      const reply = await client.scan(cursor, { MATCH: pattern, COUNT: 1000 });
      cursor = String(reply.cursor);
      if (reply.keys.length > 0) await client.unlink(reply.keys);
    } while (cursor !== "0");
  } finally {
    await client.close();
  }
}
