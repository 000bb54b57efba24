/**
 * The four backends of the suite: memory, a SQLite file in a temporary directory, a PostgreSQL schema and a Redis
 * key prefix on the local servers (found by the testkit's helpers). Each harness reads what is stored with the
 * backend's own driver, not through the store.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { MemoryCheckpointStore } from "@lg/store-memory";
import { PostgresCheckpointStore, type PostgresOptions } from "@lg/store-postgres";
import { RedisCheckpointStore, type RedisOptions } from "@lg/store-redis";
import { SqliteCheckpointStore, type SqliteOptions } from "@lg/store-sqlite";
import { postgresForTests, redisForTests, type PostgresTestDatabase, type RedisTestDatabase } from "@lg/store-testkit";
import { dumpThroughContract, stableJson, type Harness } from "./harness.js";
import type { BackendName } from "./types.js";

const TABLE = "checkpoints";

/** Fills the placeholders of a damage statement: `$table` (quoted) and `$id` (the driver's parameter). */
function statementFor(statement: string, idParameter: string): string {
  return statement.replaceAll("$table", `"${TABLE}"`).replaceAll("$id", idParameter);
}

/** The memory store: no driver underneath, so the dump is every execution read through the contract. */
function memoryHarness(): Harness {
  const store = new MemoryCheckpointStore();
  return {
    backend: "memory",
    store,
    raw: {},
    openWith: async () => {
      throw new Error("the memory store has no options");
    },
    forget: async () => undefined, // no corrupt-data case runs on memory
    dump: () => dumpThroughContract(store),
    close: () => store.close(),
  };
}

function sqliteHarness(): Harness {
  const dir = mkdtempSync(join(tmpdir(), "lg-bad-input-"));
  const path = join(dir, "store.db");
  const withDriver = <T>(use: (db: Database.Database) => T): T => {
    const db = new Database(path);
    try {
      return use(db);
    } finally {
      db.close();
    }
  };
  let store: SqliteCheckpointStore | undefined;
  try {
    store = new SqliteCheckpointStore({ path });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const opened = store;
  return {
    backend: "sqlite",
    store: opened,
    raw: {
      sql: async (statement, id) => {
        withDriver((db) => db.prepare(statementFor(statement, "?")).run(...(statement.includes("$id") ? [id] : [])));
      },
    },
    openWith: async (options) => new SqliteCheckpointStore({ path, ...options } as SqliteOptions),
    forget: async ({ executionId }) => {
      if (executionId === undefined) return;
      withDriver((db) => {
        db.prepare(`DELETE FROM "${TABLE}" WHERE execution_id = ?`).run(executionId);
        // The items incremental rows appended, kept in a table of their own (schema version 3).
        db.prepare(`DELETE FROM "${TABLE}_items" WHERE execution_id = ?`).run(executionId);
      });
    },
    dump: async () =>
      withDriver((db) => {
        const tables = db.prepare("SELECT name, sql FROM sqlite_master ORDER BY type, name").all() as {
          name: string;
          sql: string | null;
        }[];
        const rows = tables
          .filter((t) => t.sql?.startsWith("CREATE TABLE") === true)
          .map((t) => [t.name, db.prepare(`SELECT * FROM "${t.name}" ORDER BY rowid`).all()]);
        return stableJson({ tables, rows });
      }),
    close: async () => {
      try {
        await opened.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

async function postgresHarness(): Promise<Harness> {
  const db: PostgresTestDatabase = await postgresForTests();
  let store: PostgresCheckpointStore;
  try {
    store = await PostgresCheckpointStore.connect({ connString: db.url, schema: db.schema, poolSize: 2 });
  } catch (error) {
    await db.cleanup();
    throw error;
  }
  return {
    backend: "postgres",
    store,
    raw: {
      sql: async (statement, id) => {
        await db.query(statementFor(statement, "$1"), statement.includes("$id") ? [id] : []);
      },
    },
    openWith: (options) =>
      PostgresCheckpointStore.connect({
        connString: db.url,
        schema: db.schema,
        poolSize: 1,
        ...options,
      } as PostgresOptions),
    forget: async ({ executionId }) => {
      if (executionId === undefined) return;
      // The items incremental rows appended go with the rows that own them.
      await db.query(
        `WITH gone AS (DELETE FROM "${TABLE}" WHERE execution_id = $1 RETURNING id)
         DELETE FROM "${TABLE}_items" i USING gone WHERE i.owner_id = gone.id`,
        [executionId],
      );
    },
    dump: async () => {
      const columns = await db.query(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1 ORDER BY 1, 2",
        [db.schema],
      );
      const tables = [...new Set(columns.map((c) => String(c.table_name)))];
      const rows: [string, unknown][] = [];
      for (const table of tables) rows.push([table, await db.query(`SELECT * FROM "${table}" ORDER BY 1`)]);
      return stableJson({ columns, rows });
    },
    close: async () => {
      try {
        await store.close();
      } finally {
        await db.cleanup();
      }
    },
  };
}

/** Reads one key whatever its type, so a key damaged to another type is dumped too. */
async function readKey(db: RedisTestDatabase, key: string): Promise<unknown> {
  const type = String(await db.command(["TYPE", key]));
  if (type === "hash") {
    // HGETALL lists fields in the hash table's order, which a rehash changes without any write: sort by field.
    const flat = (await db.command(["HGETALL", key])) as string[];
    const pairs: [string, string][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([String(flat[i]), String(flat[i + 1])]);
    pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return [type, pairs];
  }
  if (type === "zset") return [type, await db.command(["ZRANGE", key, "0", "-1", "WITHSCORES"])];
  if (type === "string") return [type, await db.command(["GET", key])];
  return [type, await db.command(["DUMP", key])];
}

async function redisHarness(): Promise<Harness> {
  const db: RedisTestDatabase = await redisForTests();
  const store = new RedisCheckpointStore({ url: db.url, prefix: db.prefix });
  return {
    backend: "redis",
    store,
    raw: {
      redis: async (args, id) => {
        await db.command(args.map((arg) => (arg === "$key" ? store.keys.checkpoint(id) : arg)));
      },
    },
    openWith: async (options) =>
      new RedisCheckpointStore({ url: db.url, prefix: db.prefix, ...options } as RedisOptions),
    forget: async ({ executionId, checkpointIds = [] }) => {
      if (executionId === undefined) return;
      const keys = [
        ...checkpointIds.map((id) => store.keys.checkpoint(id)),
        store.keys.executionIndex(executionId),
        store.keys.hiddenIndex(executionId),
      ];
      await db.command(["UNLINK", ...keys]);
      await db.command(["ZREM", store.keys.executions(), executionId]);
    },
    dump: async () => {
      const keys = (await db.keys()).sort();
      const entries: [string, unknown][] = [];
      for (const key of keys) entries.push([key, await readKey(db, key)]);
      return stableJson(entries);
    },
    close: async () => {
      try {
        await store.close();
      } finally {
        await db.cleanup();
      }
    },
  };
}

/** Opens the harness of `backend` (a fresh file, schema or prefix). */
export async function openHarness(backend: BackendName): Promise<Harness> {
  if (backend === "memory") return memoryHarness();
  if (backend === "sqlite") return sqliteHarness();
  if (backend === "postgres") return postgresHarness();
  return redisHarness();
}
