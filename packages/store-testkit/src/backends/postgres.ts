import { randomBytes } from "node:crypto";
import { quoteSqlIdentifier } from "@lg/core/store";
import {
  resolveServer,
  unavailable,
  type BackendKind,
  type BackendResolveOptions,
  type BackendSource,
} from "./resolve.js";

/** A fresh schema on a PostgreSQL server, for one test or one test file. */
export interface PostgresTestDatabase {
  /** Connection URL of the server (pass it to the store together with `schema`). */
  url: string;
  /** The schema created for this call, `lg_test_<random>`; nothing else uses it. */
  schema: string;
  /** Where the server came from. */
  source: BackendSource;
  /**
   * Runs one SQL statement with `search_path` set to `schema` and returns its rows, e.g. for a `raw` hook:
   * `db.query('UPDATE checkpoints SET state = $1 WHERE id = $2', ['{"$lg":"bogus"}', id])`.
   */
  query(text: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Drops the schema with everything in it (CASCADE) and closes the connections. Safe to call twice. */
  cleanup(): Promise<void>;
}

/** Environment variable naming the PostgreSQL server for tests. */
export const POSTGRES_URL_ENV = "LG_TEST_POSTGRES_URL";

const POSTGRES: BackendKind = {
  label: "PostgreSQL",
  envVar: POSTGRES_URL_ENV,
  standardPort: 5432,
  image: "postgres:15-alpine",
  localUrl: (host, port, env) =>
    `postgres://${encodeURIComponent(env.PGUSER ?? "postgres")}@${host}:${port}/${encodeURIComponent(env.PGDATABASE ?? "postgres")}`,
  startContainer: async () => {
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const container = await new PostgreSqlContainer("postgres:15-alpine").start();
    return container.getConnectionUri();
  },
};

type Sql = ReturnType<typeof import("postgres")>;

async function connectPostgres(url: string, schema?: string): Promise<Sql> {
  const { default: postgres } = await import("postgres");
  return postgres(url, {
    max: 2,
    onnotice: () => undefined, // DROP … CASCADE notices are expected
    ...(schema === undefined ? {} : { connection: { search_path: schema } }),
  });
}

/**
 * Gives a test its own schema on a PostgreSQL server. The server is found in this order: the
 * `LG_TEST_POSTGRES_URL` environment variable; a `postgres:15-alpine` testcontainers container when a container
 * runtime answers; a server on 127.0.0.1:5432; otherwise it rejects with a `StoreUnavailableError` naming all
 * three ways. Each call creates a new `lg_test_<random>` schema; `cleanup()` drops it.
 *
 * Needs the optional peer dependency `postgres` (and `testcontainers` + `@testcontainers/postgresql` for
 * containers); a memory-store user never loads them.
 */
export async function postgresForTests(options: BackendResolveOptions = {}): Promise<PostgresTestDatabase> {
  const server = await resolveServer(POSTGRES, options);
  const schema = `lg_test_${randomBytes(6).toString("hex")}`;
  const quoted = quoteSqlIdentifier("schema", schema);
  const admin = await connectPostgres(server.url);
  try {
    await admin.unsafe(`CREATE SCHEMA ${quoted}`);
  } catch (error) {
    await admin.end({ timeout: 1 });
    throw unavailable(POSTGRES, server, error);
  }
  const scoped = await connectPostgres(server.url, schema);
  let cleaned: Promise<void> | undefined;
  return {
    url: server.url,
    schema,
    source: server.source,
    async query(text, params = []) {
      const rows = await scoped.unsafe(text, params as never[]);
      return rows.map((row) => ({ ...row }));
    },
    cleanup() {
      cleaned ??= (async () => {
        try {
          await scoped.end({ timeout: 5 });
          await admin.unsafe(`DROP SCHEMA IF EXISTS ${quoted} CASCADE`);
        } finally {
          await admin.end({ timeout: 5 });
        }
      })();
      return cleaned;
    },
  };
}
