import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { type StatusChange } from "@lg/core";
import { PostgresCheckpointStore } from "../src/index.js";
import { useAdminClient, useTestStore } from "./helpers.js";
import { usePrivatePostgres } from "./private-postgres.js";

const id = (label: string): string => `${label}-${randomBytes(4).toString("hex")}`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Enqueues new executions through `store` every 25 ms until `heard` holds a change of one of them, for up to `ms`:
 * changes made before a new LISTEN is in place are not announced. Whether one was heard.
 */
async function heardAgain(store: PostgresCheckpointStore, heard: StatusChange[], ms = 20_000): Promise<boolean> {
  const prefix = id("again");
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (heard.some((change) => change.executionId.startsWith(prefix))) return true;
    await store.registry
      .enqueue({ executionId: id(prefix), graphName: "g", graphVersion: "v1", input: "{}", inputKey: "k" })
      .catch(() => undefined);
    await sleep(25);
  }
  return false;
}

describe("a subscription whose listening connection is lost", () => {
  const t = useTestStore({ applicationName: "lg-listen-lost" });
  const admin = useAdminClient();

  it("listens again on a new connection and hears later changes", async () => {
    const heard: StatusChange[] = [];
    const stop = await t.store.registry.subscribe((change) => heard.push(change));
    try {
      const terminated = await admin.sql.unsafe(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lg-listen-lost' " +
          "AND query ILIKE 'listen%'",
      );
      expect(terminated).toHaveLength(1);
      expect(await heardAgain(t.store, heard)).toBe(true);
    } finally {
      await stop();
    }
  });
});

describe("a subscription of a store that dropped its pool for a frozen server", () => {
  const scope = usePrivatePostgres();

  it("listens again on the new pool once the server answers", async () => {
    const server = scope.server;
    const options = { connString: server.url, commandTimeoutMs: 1000, connectTimeoutMs: 1000, poolSize: 2 };
    const store = await PostgresCheckpointStore.connect(options);
    const other = await PostgresCheckpointStore.connect(options);
    const heard: StatusChange[] = [];
    try {
      await store.registry.subscribe((change) => heard.push(change));
      expect(await heardAgain(other, heard)).toBe(true);
      await server.freeze();
      // The call outlives its bound: the store drops its pool, the LISTEN connection with it.
      await expect(store.registry.get("any")).rejects.toThrow(/did not answer/);
      server.thaw();
      expect(await heardAgain(other, heard)).toBe(true);
    } finally {
      server.thaw();
      await store.close();
      await other.close();
    }
  }, 90_000);
});

describe("close() of a store with subscriptions", () => {
  const t = useTestStore();

  it("ends them, on an injected client that stays open too", async () => {
    const sql = postgres(t.url, { max: 2, onnotice: () => undefined });
    try {
      const store = new PostgresCheckpointStore({ sql, schema: t.schema });
      const heard: StatusChange[] = [];
      await store.registry.subscribe((change) => heard.push(change));
      expect(await heardAgain(t.store, heard)).toBe(true);
      await store.close();
      const before = heard.length;
      await t.store.registry.enqueue({
        executionId: id("after"),
        graphName: "g",
        graphVersion: "v1",
        input: "{}",
        inputKey: "k",
      });
      await sleep(300);
      expect(heard).toHaveLength(before);
      // The client is the caller's: still open.
      expect(await sql.unsafe("SELECT 1 AS one")).toEqual([{ one: 1 }]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
