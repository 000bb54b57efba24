import { createTestCheckpoint } from "@lg/store-testkit";
import { PostgresCheckpointStore } from "../src/index.js";
import { useServer } from "./helpers.js";

/** The seed design's Go `InitSchema`: no parent_id, no next, and a NON-unique index under the store's index name. */
const seedTable = (schema: string): string =>
  `CREATE TABLE "${schema}".checkpoints (id TEXT PRIMARY KEY, execution_id TEXT NOT NULL, node_name TEXT NOT NULL,
     state JSONB NOT NULL, metadata JSONB, timestamp TIMESTAMPTZ NOT NULL, version INTEGER NOT NULL);
   CREATE INDEX idx_checkpoints_execution_id ON "${schema}".checkpoints (execution_id)`;

/** The store's columns with their types and collations; `notNull` adds the NOT NULL constraints of its own table. */
const columnsOf = (notNull: boolean): string => {
  const nn = notNull ? " NOT NULL" : "";
  return `id TEXT COLLATE "C"${nn}, execution_id TEXT COLLATE "C"${nn}, node_name TEXT${nn}, state JSONB${nn},
    metadata JSONB, "timestamp" TIMESTAMPTZ${nn}, version INTEGER${nn}, parent_id TEXT COLLATE "C",
    next JSONB${nn} DEFAULT '[]'`;
};

/** A table with the store's columns and its UNIQUE (execution_id, version) index, plus `extra` SQL. */
const layoutWithout = (notNull: boolean, extra: string) => (schema: string) =>
  `CREATE TABLE "${schema}".checkpoints (${columnsOf(notNull)});
   CREATE UNIQUE INDEX idx_checkpoints_execution_id ON "${schema}".checkpoints (execution_id, version);
   ${extra.replaceAll("$T", `"${schema}".checkpoints`)}`;

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
      const error = await store.setup().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: "LG_STORE_UNAVAILABLE" });
      expect((error as Error).message).toContain(
        `index "${schema}"."idx_checkpoints_execution_id" is not a valid UNIQUE index on (execution_id, version)`,
      );
      // Five processes at once: each is refused under the lock, none half-adopts the table.
      const others = Array.from(
        { length: 5 },
        () => new PostgresCheckpointStore({ connString: server.url, schema, poolSize: 2 }),
      );
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
    const error = await refused.setup().then(
      () => undefined,
      (e: unknown) => e,
    );
    await refused.close();
    expect(error).toMatchObject({ code: "LG_STORE_UNAVAILABLE" });
    expect((error as Error).message).toContain(
      `index "${schema}"."idx_checkpoints_execution_id" already exists on another table (rename or drop it)`,
    );
    expect(await relationsOf(schema)).not.toContain("checkpoints");
    await server.admin.unsafe(
      `ALTER INDEX "${schema}".idx_checkpoints_execution_id RENAME TO idx_checkpoints_old_execution_id`,
    );
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

  async function refusal(schema: string): Promise<string> {
    const before = await relationsOf(schema);
    const store = new PostgresCheckpointStore({ connString: server.url, schema });
    const error = await store.setup().then(
      () => undefined,
      (e: unknown) => e,
    );
    await store.close();
    expect(error).toMatchObject({ code: "LG_STORE_UNAVAILABLE", name: "StoreUnavailableError" });
    expect(await relationsOf(schema)).toEqual(before);
    return (error as Error).message;
  }

  it("refuses a table with every column and index but no key on id and no NOT NULL constraints", async () => {
    const schema = await schemaWith(layoutWithout(false, ""));
    const message = await refusal(schema);
    expect(message).toContain(`"${schema}"."checkpoints" already exists but was not created by setup()`);
    expect(message).toContain("no valid PRIMARY KEY or UNIQUE index on (id)");
    for (const column of ["id", "execution_id", "node_name", "state", "timestamp", "version", "next"]) {
      expect(message).toContain(`column ${column} allows NULL`);
    }
    expect(message).not.toContain("column metadata");
    expect(message).not.toContain("column parent_id");
  });

  it.each([
    ["a plain index", "CREATE INDEX ON $T (id)"],
    ["a partial unique index", "CREATE UNIQUE INDEX ON $T (id) WHERE version > 0"],
    ["a unique index on an expression", "CREATE UNIQUE INDEX ON $T (lower(id))"],
    [
      "a unique (execution_id, id) index of a table that is not partitioned",
      "CREATE UNIQUE INDEX ON $T (execution_id, id)",
    ],
    ["a deferrable unique constraint", "ALTER TABLE $T ADD UNIQUE (id) DEFERRABLE INITIALLY DEFERRED"],
  ])("refuses a table whose only key on id is %s", async (_label, extra) => {
    const schema = await schemaWith(layoutWithout(true, extra));
    const message = await refusal(schema);
    expect(message).toContain("no valid PRIMARY KEY or UNIQUE index on (id)");
    expect(message).not.toContain("allows NULL");
  });

  it("refuses a table with a primary key on id but a nullable column the store's table has NOT NULL", async () => {
    const schema = await schemaWith(
      layoutWithout(true, "ALTER TABLE $T ADD PRIMARY KEY (id), ALTER COLUMN state DROP NOT NULL"),
    );
    const message = await refusal(schema);
    expect(message).toContain("column state allows NULL");
    expect(message).not.toContain("(id)");
  });

  it("refuses a partitioned table without a key on id", async () => {
    const schema = await schemaWith(
      (s) =>
        `CREATE TABLE "${s}".checkpoints (${columnsOf(true)}) PARTITION BY HASH (execution_id);
         CREATE TABLE "${s}".checkpoints_p0 PARTITION OF "${s}".checkpoints FOR VALUES WITH (MODULUS 1, REMAINDER 0);
         CREATE UNIQUE INDEX idx_checkpoints_execution_id ON "${s}".checkpoints (execution_id, version)`,
    );
    expect(await refusal(schema)).toContain(
      "no valid PRIMARY KEY or UNIQUE index on (id) or, partitioned, on (execution_id, id)",
    );
  });

  it("adopts a table whose ids are kept unique by a unique index instead of a primary key", async () => {
    const schema = await schemaWith(layoutWithout(true, "CREATE UNIQUE INDEX ON $T (id) INCLUDE (version)"));
    const store = await PostgresCheckpointStore.connect({ connString: server.url, schema });
    try {
      const first = createTestCheckpoint({ executionId: "e1", version: 1 });
      await store.save(first);
      const sameId = store.save({ ...first, executionId: "e2" });
      await expect(sameId).rejects.toMatchObject({ code: "LG_CHECKPOINT_CONFLICT" });
      expect((await store.load(first.id))?.executionId).toBe("e1");
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
      expect(await store.setup()).toEqual({ applied: [1, 2, 3, 4, 5, 6] });
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
