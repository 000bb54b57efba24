import {
  lifecycleSpec,
  postgresForTests,
  runCheckpointStoreSpec,
  type PostgresTestDatabase,
  type SpecOptions,
} from "@lg/store-testkit";
import postgres from "postgres";
import { PostgresCheckpointStore } from "../src/index.js";
import { serverUrl } from "./helpers.js";

// Every store gets a schema of its own from the testkit's postgresForTests(), dropped when the store is
// destroyed. The stores of the full suite share one warm connection pool (injected `sql`), as the stores of a
// running service would, so that each test pays for its schema and migrations but not for new connections.
const databases = new WeakMap<PostgresCheckpointStore, PostgresTestDatabase>();
const reopened = new WeakSet<PostgresCheckpointStore>();
let shared: Promise<postgres.Sql> | undefined;

function databaseOf(store: PostgresCheckpointStore): PostgresTestDatabase {
  const db = databases.get(store);
  if (db === undefined) throw new Error("store was not created by this test file");
  return db;
}

function sharedClient(): Promise<postgres.Sql> {
  shared ??= serverUrl().then((url) => postgres(url, { max: 4, onnotice: () => undefined }));
  return shared;
}

afterAll(async () => {
  await (await shared)?.end({ timeout: 5 });
});

type Connect = (db: PostgresTestDatabase) => Promise<PostgresCheckpointStore>;

function specOptions(name: string, connect: Connect): SpecOptions<PostgresCheckpointStore> {
  return {
    name,
    runner: { describe, it, beforeAll, afterAll },
    capabilities: {
      incremental: true,
      headerList: true,
      nativePrune: true,
      persistent: true,
      multiProcess: true,
      ttl: false,
      taskResults: true,
      batchSave: true,
      serializedList: true,
    },
    async createStore() {
      const db = await postgresForTests();
      try {
        const store = await connect(db);
        databases.set(store, db);
        return store;
      } catch (error) {
        await db.cleanup();
        throw error;
      }
    },
    async destroyStore(store) {
      await store.close();
      // A second instance over the same schema leaves the schema to the store that created it.
      if (!reopened.has(store)) await databaseOf(store).cleanup();
    },
    async openSameLocation(store) {
      const db = databaseOf(store);
      const other = await connect(db);
      databases.set(other, db);
      reopened.add(other);
      return other;
    },
    raw(store) {
      const db = databaseOf(store);
      return {
        async read(ref) {
          const [row] = await db.query("SELECT * FROM checkpoints WHERE id = $1", [ref.id]);
          return row;
        },
        async corrupt(ref) {
          // JSONB only holds valid JSON, so the damage is a value tag no decoder knows.
          const rows = await db.query(
            `UPDATE checkpoints SET state = '{"$lg":"no-such-tag","v":1}'::jsonb WHERE id = $1 RETURNING id`,
            [ref.id],
          );
          if (rows.length !== 1) throw new Error(`no stored row to corrupt for ${ref.id}`);
        },
      };
    },
  };
}

const UNREACHABLE_SECRET = "s3cret-pw-9f2c";

runCheckpointStoreSpec({
  ...specOptions("postgres", async (db) =>
    PostgresCheckpointStore.connect({ sql: await sharedClient(), schema: db.schema }),
  ),
  // Port 1 on the loopback refuses at once; the connect bound covers a host that does not answer (timeouts.test.ts).
  unavailable: {
    createStore: () =>
      new PostgresCheckpointStore({
        connString: `postgres://app:${UNREACHABLE_SECRET}@127.0.0.1:1/app`,
        connectTimeoutMs: 2000,
      }),
    secret: UNREACHABLE_SECRET,
    withinMs: 5000,
  },
});

// The lifecycle checks again with pools the stores create and end themselves (close, reopen, persistence).
lifecycleSpec(
  specOptions("postgres, own pool", (db) =>
    PostgresCheckpointStore.connect({ connString: db.url, schema: db.schema, poolSize: 2 }),
  ),
);
