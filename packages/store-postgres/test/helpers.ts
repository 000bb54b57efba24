import { randomBytes } from "node:crypto";
import { postgresForTests, type PostgresTestDatabase } from "@lg/store-testkit";
import postgres from "postgres";
import { PostgresCheckpointStore, type PostgresOptions } from "../src/index.js";

let url: Promise<string> | undefined;

/**
 * The URL of the server the tests use, found by the testkit (`LG_TEST_POSTGRES_URL`, a testcontainers container,
 * or the local server), once per test file.
 */
export function serverUrl(): Promise<string> {
  url ??= postgresForTests().then(async (db) => {
    await db.cleanup();
    return db.url;
  });
  return url;
}

/** A random schema name that nothing has created yet (for tests of schema creation). */
export function randomSchemaName(label = "lgpg"): string {
  return `${label}_${randomBytes(6).toString("hex")}`;
}

/** A client for the tests' own queries (inspecting rows, terminating backends, dropping schemas). */
export async function adminClient(): Promise<postgres.Sql> {
  return postgres(await serverUrl(), { max: 3, onnotice: () => undefined });
}

/** For files that inspect rows themselves: an {@link adminClient} open while the file's tests run. */
export function useAdminClient(): { readonly sql: postgres.Sql } {
  let sql: postgres.Sql | undefined;
  beforeAll(async () => {
    sql = await adminClient();
  });
  afterAll(async () => {
    await sql?.end();
  });
  return {
    get sql(): postgres.Sql {
      if (sql === undefined) throw new Error("the admin client is open only while the file's tests run");
      return sql;
    },
  };
}

/** Drops a schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const admin = await adminClient();
  try {
    await admin.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.end();
  }
}

/** A migrated store in its own schema; `cleanup()` closes it and drops the schema. */
export interface TestStore {
  store: PostgresCheckpointStore;
  /** The schema (from the testkit's `postgresForTests`). */
  schema: string;
  /** The server URL. */
  url: string;
  /** The testkit's handle on the schema. */
  db: PostgresTestDatabase;
  cleanup(): Promise<void>;
}

/** Creates a migrated store in a fresh schema from the testkit's `postgresForTests()`. */
export async function createTestStore(options: Partial<PostgresOptions> = {}): Promise<TestStore> {
  const db = await postgresForTests();
  try {
    const store = await PostgresCheckpointStore.connect({
      connString: db.url,
      poolSize: 4,
      ...options,
      schema: db.schema,
    });
    return {
      store,
      schema: db.schema,
      url: db.url,
      db,
      async cleanup() {
        await store.close();
        await db.cleanup();
      },
    };
  } catch (error) {
    await db.cleanup();
    throw error;
  }
}

/** What {@link useTestStore} hands a test file: the parts of a {@link TestStore}, once the file's tests run. */
export type TestStoreScope = Pick<TestStore, "store" | "schema" | "url" | "db">;

/**
 * For files whose tests share one migrated store: registers the `beforeAll` that creates it in a fresh schema and
 * the `afterAll` that closes it and drops the schema.
 */
export function useTestStore(options: Partial<PostgresOptions> = {}): TestStoreScope {
  let t: TestStore | undefined;
  beforeAll(async () => {
    t = await createTestStore(options);
  });
  afterAll(async () => {
    await t?.cleanup();
  });
  const ready = (): TestStore => {
    if (t === undefined) throw new Error("the test store is only available once the file's tests run");
    return t;
  };
  return {
    get store() {
      return ready().store;
    },
    get schema() {
      return ready().schema;
    },
    get url() {
      return ready().url;
    },
    get db() {
      return ready().db;
    },
  };
}

/**
 * Creates `"schema".checkpoints` partitioned by hash of `execution_id` into `partitions` partitions, keyed as the
 * README's recipe keys it (`PRIMARY KEY (execution_id, id)`), before any `setup()`.
 */
export async function createHashPartitionedTable(
  admin: postgres.Sql,
  schema: string,
  partitions: number,
): Promise<void> {
  await admin.unsafe(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await admin.unsafe(
    `CREATE TABLE "${schema}".checkpoints (
       id TEXT COLLATE "C" NOT NULL, execution_id TEXT COLLATE "C" NOT NULL, node_name TEXT NOT NULL,
       state JSONB NOT NULL, metadata JSONB, "timestamp" TIMESTAMPTZ NOT NULL, version INTEGER NOT NULL,
       parent_id TEXT COLLATE "C", next JSONB NOT NULL DEFAULT '[]',
       PRIMARY KEY (execution_id, id)) PARTITION BY HASH (execution_id)`,
  );
  for (let i = 0; i < partitions; i++) {
    await admin.unsafe(
      `CREATE TABLE "${schema}".checkpoints_p${i} PARTITION OF "${schema}".checkpoints
       FOR VALUES WITH (MODULUS ${partitions}, REMAINDER ${i})`,
    );
  }
}

/** What {@link useServer} hands a test file. */
export interface ServerScope {
  /** The server URL (set before the file's tests run). */
  readonly url: string;
  /** A client for the tests' own queries (open while the file's tests run). */
  readonly admin: postgres.Sql;
  /** A schema name nothing has created yet; every name handed out is dropped after the file. */
  freshSchema(): string;
}

/**
 * For files whose tests create schemas themselves: registers the `beforeAll` that finds the server and opens an
 * admin client, and the `afterAll` that closes it and drops every schema {@link ServerScope.freshSchema} named.
 */
export function useServer(label: string): ServerScope {
  let url: string | undefined;
  let admin: postgres.Sql | undefined;
  const schemas: string[] = [];
  beforeAll(async () => {
    url = await serverUrl();
    admin = await adminClient();
  });
  afterAll(async () => {
    await admin?.end();
    for (const schema of schemas) await dropSchema(schema);
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is only available once the file's tests run`);
    return value;
  };
  return {
    get url() {
      return ready(url, "the server URL");
    },
    get admin() {
      return ready(admin, "the admin client");
    },
    freshSchema() {
      const schema = randomSchemaName(label);
      schemas.push(schema);
      return schema;
    },
  };
}

/** A store on `t`'s schema whose every statement text is pushed to `statements` (close it after use). */
export function statementLoggingStore(
  t: Pick<TestStore, "url" | "schema">,
  statements: string[],
): PostgresCheckpointStore {
  return new PostgresCheckpointStore({
    connString: t.url,
    schema: t.schema,
    clientOptions: { debug: (_connection, query) => statements.push(query) },
  });
}
