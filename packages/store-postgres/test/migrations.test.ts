import { createTestCheckpoint } from "@lg/store-testkit";
import { MIGRATIONS, PostgresCheckpointStore, type Migration } from "../src/index.js";
import { runMigrations } from "../src/migrations.js";
import { resolveOptions } from "../src/options.js";
import { createHashPartitionedTable, useServer } from "./helpers.js";

const ALL_VERSIONS = MIGRATIONS.map((m) => m.version);
// The version a test's own extra migration takes: the first after the store's.
const NEXT = MIGRATIONS.length + 1;

describe("setup() and migrations", () => {
  const server = useServer("lgmig");
  const freshSchema = (): string => server.freshSchema();

  it("creates the schema, the seed's table layout, its indexes and a migrations record", async () => {
    const schema = freshSchema();
    const store = new PostgresCheckpointStore({ connString: server.url, schema, tableName: "runs" });
    try {
      expect(await store.setup()).toEqual({ applied: [1, 2, 3, 4, 5, 6] });
      const columnsOf = async (table: string): Promise<unknown[][]> =>
        (
          await server.admin.unsafe(
            `SELECT column_name, data_type, is_nullable FROM information_schema.columns
             WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
            [schema, table],
          )
        ).map((c) => [c.column_name, c.data_type, c.is_nullable]);
      expect(await columnsOf("runs")).toEqual([
        ["id", "text", "NO"],
        ["execution_id", "text", "NO"],
        ["node_name", "text", "NO"],
        ["state", "jsonb", "NO"],
        ["metadata", "jsonb", "YES"],
        ["timestamp", "timestamp with time zone", "NO"],
        ["version", "bigint", "NO"],
        ["parent_id", "text", "YES"],
        ["next", "jsonb", "NO"],
        ["tasks", "jsonb", "YES"],
        ["kind", "text", "NO"],
        ["hidden", "boolean", "NO"],
        ["chain_id", "text", "YES"],
        ["item_counts", "jsonb", "YES"],
      ]);
      // Migration 5: the items of incremental rows, keyed by their owner's id key, channel, version and index.
      expect(await columnsOf("runs_items")).toEqual([
        ["owner_id", "text", "NO"],
        ["version", "bigint", "NO"],
        ["channel", "text", "NO"],
        ["idx", "integer", "NO"],
        ["value", "jsonb", "NO"],
      ]);
      const [itemsIndex] = await server.admin.unsafe(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'runs_items'",
        [schema],
      );
      expect(itemsIndex?.indexdef).toMatch(
        /UNIQUE INDEX idx_runs_items_owner [^]*md5\(owner_id\)[^]*, channel, version, idx\)$/,
      );
      // Migration 6: the execution registry, keyed like the ids, with the partial indexes claim reads.
      expect(await columnsOf("runs_executions")).toEqual([
        ["execution_id", "text", "NO"],
        ["status", "text", "NO"],
        ["graph_name", "text", "NO"],
        ["graph_version", "text", "NO"],
        ["owner", "text", "YES"],
        ["lease_token", "text", "YES"],
        ["lease_expires_at", "timestamp with time zone", "YES"],
        ["attempts", "integer", "NO"],
        ["input", "text", "NO"],
        ["input_key", "text", "NO"],
        ["error", "text", "YES"],
        ["created_at", "timestamp with time zone", "NO"],
        ["updated_at", "timestamp with time zone", "NO"],
      ]);
      const registryIndexes = await server.admin.unsafe(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'runs_executions' ORDER BY indexname",
        [schema],
      );
      expect(registryIndexes.map((row) => String(row.indexdef))).toEqual([
        expect.stringMatching(
          /^CREATE INDEX idx_runs_reg_expiry .*\(lease_expires_at\) WHERE \(status = 'running'::text\)$/,
        ),
        expect.stringMatching(/^CREATE UNIQUE INDEX idx_runs_reg_key [^]*md5\(execution_id\)/),
        expect.stringMatching(/^CREATE INDEX idx_runs_reg_queued .*\(updated_at\) WHERE \(status = 'queued'::text\)$/),
      ]);
      const indexes = await server.admin.unsafe(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'runs' ORDER BY indexname",
        [schema],
      );
      // Migration 3 replaced the primary key and the (execution_id, version) index by the key indexes.
      expect(indexes.map((i) => i.indexname)).toEqual(["idx_runs_exec_key", "idx_runs_id_key", "idx_runs_timestamp"]);
      expect(indexes[0]?.indexdef).toContain("UNIQUE INDEX idx_runs_exec_key");
      expect(indexes[0]?.indexdef).toMatch(/md5\(execution_id\)[^]*, version\)$/);
      expect(indexes[1]?.indexdef).toContain("UNIQUE INDEX idx_runs_id_key");
      const recorded = await server.admin.unsafe(`SELECT version, name FROM "${schema}".runs_migrations`);
      expect(recorded.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await store.initSchema()).toEqual({ applied: [] }); // the seed's name; nothing left to do
    } finally {
      await store.close();
    }
  });

  it("is safe when five stores set up the same fresh schema at once", async () => {
    const schema = freshSchema();
    const stores = Array.from(
      { length: 5 },
      () => new PostgresCheckpointStore({ connString: server.url, schema, poolSize: 2 }),
    );
    try {
      const results = await Promise.all(stores.map((store) => store.setup()));
      expect(results.flatMap((r) => r.applied)).toEqual(ALL_VERSIONS); // each applied exactly once
      const [row] = await server.admin.unsafe(`SELECT count(*)::int AS n FROM "${schema}".checkpoints_migrations`);
      expect(row?.n).toBe(MIGRATIONS.length);
      await (stores[0] as PostgresCheckpointStore).save(createTestCheckpoint({ executionId: "e", version: 1 }));
      expect((await (stores[4] as PostgresCheckpointStore).latest("e"))?.version).toBe(1);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it("runs non-transactional migrations (CREATE INDEX CONCURRENTLY) while others wait, without deadlock", async () => {
    const schema = freshSchema();
    const o = resolveOptions({ connString: server.url, schema });
    const concurrently: Migration = {
      version: NEXT,
      name: "index node_name concurrently",
      transactional: false,
      statements: (opts) => [
        `CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_node_name" ON ${opts.qualifiedTable} (node_name)`,
      ],
    };
    const clients = Array.from(
      { length: 5 },
      () => new PostgresCheckpointStore({ connString: server.url, schema, poolSize: 2 }),
    );
    try {
      const results = await Promise.all(clients.map((c) => runMigrations(c.sql, o, [...MIGRATIONS, concurrently])));
      expect(results.flatMap((r) => r.applied).sort((a, b) => a - b)).toEqual([...ALL_VERSIONS, NEXT]);
      const [index] = await server.admin.unsafe(
        `SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'idx_node_name'`,
        [schema],
      );
      expect(index?.indisvalid).toBe(true);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it("rolls a failing transactional migration back completely and records nothing", async () => {
    const schema = freshSchema();
    const o = resolveOptions({ connString: server.url, schema });
    const broken: Migration = {
      version: NEXT,
      name: "half done",
      statements: (opts) => [`ALTER TABLE ${opts.qualifiedTable} ADD COLUMN extra TEXT`, "SELECT no_such_function()"],
    };
    const store = new PostgresCheckpointStore({ connString: server.url, schema });
    try {
      await expect(runMigrations(store.sql, o, [...MIGRATIONS, broken])).rejects.toMatchObject({ code: "42883" });
      const columns = await server.admin.unsafe(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND column_name = 'extra'",
        [schema],
      );
      expect(columns).toHaveLength(0);
      const recorded = await server.admin.unsafe(
        `SELECT version FROM "${schema}".checkpoints_migrations ORDER BY version`,
      );
      expect(recorded.map((r) => r.version)).toEqual(ALL_VERSIONS);
      // The lock was released: a corrected run goes through.
      const fixed: Migration = {
        ...broken,
        statements: (opts) => [`ALTER TABLE ${opts.qualifiedTable} ADD COLUMN extra TEXT`],
      };
      expect(await runMigrations(store.sql, o, [...MIGRATIONS, fixed])).toEqual({ applied: [NEXT] });
    } finally {
      await store.close();
    }
  });

  it("adopts a table partitioned by hash of execution_id that was created before setup()", async () => {
    const schema = freshSchema();
    await createHashPartitionedTable(server.admin, schema, 4);
    const store = await PostgresCheckpointStore.connect({ connString: server.url, schema });
    try {
      const cp = (executionId: string, version: number) => createTestCheckpoint({ executionId, version });
      for (const e of ["a", "b", "c", "d", "e"]) for (const v of [1, 2, 3]) await store.save(cp(e, v));
      await expect(store.save(cp("c", 2))).rejects.toMatchObject({ code: "LG_CHECKPOINT_CONFLICT" });
      expect((await store.latest("d"))?.version).toBe(3);
      expect((await store.listExecutions({ limit: 2, cursor: "a" })).executions.map((e) => e.executionId)).toEqual([
        "b",
        "c",
      ]);
      expect(await store.prune("e", { keepLast: 1 })).toBe(2);
      const parts = await server.admin.unsafe(`SELECT count(DISTINCT tableoid)::int AS n FROM "${schema}".checkpoints`);
      expect(parts[0]?.n).toBeGreaterThan(1); // the rows really are spread over partitions
      // Ids are unique per execution only (see the README): the same id in another execution is a second row.
      const shared = cp("a", 4);
      await store.save(shared);
      await store.save({ ...shared, executionId: "b", version: 4 });
      const holders = await server.admin.unsafe(`SELECT 1 FROM "${schema}".checkpoints WHERE id = $1`, [shared.id]);
      expect(holders).toHaveLength(2);
    } finally {
      await store.close();
    }
  });

  it("gives up waiting for a lock another session holds, with a typed error", async () => {
    const schema = freshSchema();
    const holder = await server.admin.reserve();
    const store = new PostgresCheckpointStore({ connString: server.url, schema, migrationLockTimeoutMs: 150 });
    try {
      await holder.unsafe("SELECT pg_advisory_lock(hashtext($1))", [`@lg/store-postgres:${schema}.checkpoints`]);
      await expect(store.setup()).rejects.toMatchObject({ code: "LG_STORE_UNAVAILABLE" });
      await holder.unsafe("SELECT pg_advisory_unlock_all()");
      expect(await store.setup()).toEqual({ applied: ALL_VERSIONS });
    } finally {
      holder.release();
      await store.close();
    }
  });
});
