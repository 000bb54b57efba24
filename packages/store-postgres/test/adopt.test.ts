import { createTestCheckpoint } from "@lg/store-testkit";
import { PostgresCheckpointStore } from "../src/index.js";
import { useServer } from "./helpers.js";

/** The seed design's Go `InitSchema`: no parent_id, no next, and a NON-unique index under the store's index name. */
const seedTable = (schema: string): string =>
  `CREATE TABLE "${schema}".checkpoints (id TEXT PRIMARY KEY, execution_id TEXT NOT NULL, node_name TEXT NOT NULL,
     state JSONB NOT NULL, metadata JSONB, timestamp TIMESTAMPTZ NOT NULL, version INTEGER NOT NULL);
   CREATE INDEX idx_checkpoints_execution_id ON "${schema}".checkpoints (execution_id)`;

describe("setup() on a table it did not create", () => {
  const server = useServer("lgadopt");

  async function schemaWith(sqlText: (schema: string) => string): Promise<string> {
    const schema = server.freshSchema();
    await server.admin.unsafe(`CREATE SCHEMA "${schema}"`);
    await server.admin.unsafe(sqlText(schema)).simple();
    return schema;
  }

  async function relationsOf(schema: string): Promise<string[]> {
    const rows = await server.admin.unsafe(
      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY 1",
      [schema],
    );
    return rows.map((row) => String(row.relname));
  }


  it("refuses the seed design's table with a typed error that names the table and leaves everything as it was", async () => {
    const schema = await schemaWith(seedTable);
    const before = await relationsOf(schema);
    const error = await PostgresCheckpointStore.connect({ connString: server.url, schema }).then(
      async (store) => {
        await store.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "LG_STORE_UNAVAILABLE", name: "StoreUnavailableError" });
    const message = (error as Error).message;
    expect(message).toContain(`"${schema}"."checkpoints" already exists but was not created by setup()`);
    expect(message).toContain("column parent_id is missing");
    expect(message).toContain("column next is missing");
    expect(message).toContain("Choose another tableName or schema");
    expect(await relationsOf(schema)).toEqual(before); // no migrations table, no index created
  });

  it("refuses it with the missing columns added by hand, whose index is not unique", async () => {
    const schema = await schemaWith(
      (s) =>
        `${seedTable(s)}; ALTER TABLE "${s}".checkpoints ADD COLUMN parent_id TEXT, ` +
        `ADD COLUMN next JSONB NOT NULL DEFAULT '[]', ALTER COLUMN execution_id TYPE TEXT COLLATE "C"`,
    );
    const store = new PostgresCheckpointStore({ connString: server.url, schema });
    try {
      const error = await store.setup().then(() => undefined, (e: unknown) => e);
      expect(error).toMatchObject({ code: "LG_STORE_UNAVAILABLE" });
      expect((error as Error).message).toContain(
        `index "${schema}"."idx_checkpoints_execution_id" is not a valid UNIQUE index on (execution_id, version)`,
      );
      // Five processes at once: each is refused under the lock, none half-adopts the table.
      const others = Array.from({ length: 5 }, () => new PostgresCheckpointStore({ connString: server.url, schema, poolSize: 2 }));
      const results = await Promise.allSettled(others.map((other) => other.setup()));
      await Promise.all(others.map((other) => other.close()));
      expect(results.map((r) => (r.status === "rejected" ? (r.reason as { code?: string }).code : "ok"))).toEqual(
        Array(5).fill("LG_STORE_UNAVAILABLE"),
      );
    } finally {
      await store.close();
    }
  });

  it("refuses to create its table when a renamed table kept the index name", async () => {
    const schema = await schemaWith((s) => `${seedTable(s)}; ALTER TABLE "${s}".checkpoints RENAME TO checkpoints_old`);
    const refused = new PostgresCheckpointStore({ connString: server.url, schema });
    const error = await refused.setup().then(() => undefined, (e: unknown) => e);
    await refused.close();
    expect(error).toMatchObject({ code: "LG_STORE_UNAVAILABLE" });
    expect((error as Error).message).toContain(
      `index "${schema}"."idx_checkpoints_execution_id" already exists on another table (rename or drop it)`,
    );
    expect(await relationsOf(schema)).not.toContain("checkpoints");
    await server.admin.unsafe(`ALTER INDEX "${schema}".idx_checkpoints_execution_id RENAME TO idx_checkpoints_old_execution_id`);
    const store = await PostgresCheckpointStore.connect({ connString: server.url, schema });
    try {
      await store.save(createTestCheckpoint({ executionId: "e", version: 1 }));
      await expect(store.save(createTestCheckpoint({ executionId: "e", version: 1 }))).rejects.toMatchObject({
        code: "LG_CHECKPOINT_CONFLICT",
      });
    } finally {
      await store.close();
    }
  });

  it("adopts a table created beforehand in the store's layout, and records the migration", async () => {
    const schema = await schemaWith(
      (s) =>
        `CREATE TABLE "${s}".checkpoints (id TEXT COLLATE "C" PRIMARY KEY, execution_id TEXT COLLATE "C" NOT NULL,
           node_name TEXT NOT NULL, state JSONB NOT NULL, metadata JSONB, "timestamp" TIMESTAMPTZ NOT NULL,
           version INTEGER NOT NULL, parent_id TEXT COLLATE "C", next JSONB NOT NULL DEFAULT '[]');
         CREATE UNIQUE INDEX idx_checkpoints_execution_id ON "${s}".checkpoints (execution_id, version)`,
    );
    const store = new PostgresCheckpointStore({ connString: server.url, schema });
    try {
      expect(await store.setup()).toEqual({ applied: [1] });
      expect(await store.setup()).toEqual({ applied: [] });
      await store.save(createTestCheckpoint({ executionId: "e", version: 1 }));
      await expect(store.save(createTestCheckpoint({ executionId: "e", version: 1 }))).rejects.toMatchObject({
        code: "LG_CHECKPOINT_CONFLICT",
      });
    } finally {
      await store.close();
    }
  });
});
