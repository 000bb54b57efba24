import postgres from "postgres";
import { createTestCheckpoint, postgresForTests, type PostgresTestDatabase } from "@lg/store-testkit";
import { PostgresCheckpointStore } from "../src/index.js";

/**
 * postgres.js leaves a result with holes before its rows when the statement before it, on the same connection,
 * failed while its rows were arriving (see `dense.ts`). Every read of the store must still see its rows: on one
 * connection, a statement that sends three rows and then fails comes before each read. (Reads inside a transaction
 * follow its `BEGIN`, which resets the driver's count.)
 */
describe("reads after a statement failed while its rows were arriving", () => {
  let db: PostgresTestDatabase;
  let client: postgres.Sql;
  let store: PostgresCheckpointStore;

  beforeAll(async () => {
    db = await postgresForTests();
    client = postgres(db.url, { max: 1, onnotice: () => undefined });
    store = await PostgresCheckpointStore.connect({ sql: client, schema: db.schema });
  });
  afterAll(async () => {
    await store?.close();
    await client?.end();
    await db?.cleanup();
  });

  // Three rows, then division by zero on the fourth: the driver's row count is left at 3.
  const failMidway = (): Promise<unknown> =>
    expect(client.unsafe("SELECT 1 / (4 - i) FROM generate_series(1, 10) i").values()).rejects.toThrow(
      /division by zero/,
    );

  it("keeps every row of latest, list, load and a registry record", async () => {
    const first = createTestCheckpoint({ executionId: "sparse", version: 1 });
    const second = createTestCheckpoint({ executionId: "sparse", version: 2, parentId: first.id });
    await store.saveMany([first, second]);
    await store.registry.enqueue({
      executionId: "sparse",
      graphName: "g",
      graphVersion: "1",
      input: "{}",
      inputKey: "k",
    });

    await failMidway();
    expect((await store.latest("sparse"))?.id).toBe(second.id);
    await failMidway();
    expect((await store.list("sparse")).map((cp) => cp.id)).toEqual([first.id, second.id]);
    await failMidway();
    expect((await store.load(first.id))?.id).toBe(first.id);
    await failMidway();
    expect(await store.registry.get("sparse")).toMatchObject({ executionId: "sparse", status: "queued" });
  });
});
