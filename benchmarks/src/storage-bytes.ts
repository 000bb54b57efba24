/**
 * How many bytes one system stored on a backend, read from the backend itself rather than from the system's own
 * account of what it wrote. Each system of the growing-state workload has its own file, schema or key prefix, so
 * the figure is that system's alone.
 *
 * @packageDocumentation
 */
import Database from "better-sqlite3";
import postgres from "postgres";
import { createClient } from "redis";
import {
  postgresSchema,
  redisPrefix,
  sqlitePath,
  type BackendEnv,
  type BackendName,
  type SystemKey,
} from "./backends.js";

/**
 * SQLite: the pages in use after folding the WAL into the file — (page_count − freelist_count) × page_size —,
 * i.e. the tables, their indexes and the overflow pages of large values. Call it after the system closed the file.
 */
function sqliteBytes(path: string): number {
  const db = new Database(path);
  try {
    db.pragma("wal_checkpoint(TRUNCATE)");
    const pageSize = db.pragma("page_size", { simple: true }) as number;
    const pages = db.pragma("page_count", { simple: true }) as number;
    const free = db.pragma("freelist_count", { simple: true }) as number;
    return (pages - free) * pageSize;
  } finally {
    db.close();
  }
}

/** PostgreSQL: `pg_total_relation_size` (heap, TOAST and indexes) summed over the tables of `schema`. */
async function postgresBytes(url: string, schema: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    const [row] = await sql<{ bytes: string | null }[]>`
      SELECT SUM(pg_total_relation_size(c.oid))::text AS bytes
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'p')`;
    return Number(row?.bytes ?? 0);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Redis: `MEMORY USAGE … SAMPLES 0` (exact, every element counted) summed over the keys under `prefix`. */
async function redisBytes(url: string, prefix: string): Promise<number> {
  const client = createClient({ url });
  client.on("error", () => undefined);
  await client.connect();
  try {
    let total = 0;
    let cursor = "0";
    do {
      const reply = await client.scan(cursor, { MATCH: `${prefix}*`, COUNT: 1000 });
      cursor = String(reply.cursor);
      for (const key of reply.keys) {
        total += Number(await client.sendCommand(["MEMORY", "USAGE", key, "SAMPLES", "0"]));
      }
    } while (cursor !== "0");
    return total;
  } finally {
    await client.close();
  }
}

/**
 * The bytes `system` holds on `backend` under this run's private names, or undefined where the system keeps its
 * data elsewhere (memory, or a saver that does not take a key prefix).
 */
export async function storedBytes(
  backend: BackendName,
  env: BackendEnv,
  system: SystemKey,
): Promise<number | undefined> {
  switch (backend) {
    case "sqlite":
      return sqliteBytes(sqlitePath(env, system));
    case "postgres":
      return postgresBytes(env.postgresUrl, postgresSchema(env, system));
    case "redis":
      return redisBytes(env.redisUrl, redisPrefix(env, system));
    case "memory":
      return undefined;
  }
}
