import { PostgresCheckpointStore } from "@lg/store-postgres";
import { serverUrl } from "./helpers.js";

/**
 * A connection that fails while it starts up (its backend terminated in a failover, or its first statement canceled)
 * costs at most the call that needed it, never an unhandledRejection, which ends a Node process. postgres.js 3.4 runs
 * an array-type catalog query on each new connection and drops that query's promise; the store's client runs none.
 */

const FRESH_CONNECTIONS = 10;

it("statements canceled at once on every new connection reject the calls, and nothing is left unhandled", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on("unhandledRejection", onUnhandled);
  const outcomes: string[] = [];
  try {
    const connString = await serverUrl();
    for (let round = 0; round < FRESH_CONNECTIONS; round++) {
      // A store of its own each round: a new pool, so a new connection and its start-up statements every time.
      // statement_timeout 1 ms cancels any statement that is not instant, the catalog query of old among them.
      const store = new PostgresCheckpointStore({
        connString,
        poolSize: 1,
        clientOptions: { connection: { statement_timeout: 1 } },
      });
      try {
        await store.ping();
        outcomes.push("ok");
      } catch (error) {
        outcomes.push((error as { code?: string }).code ?? "untyped");
      } finally {
        await store.close();
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200)); // a rejection dropped late still shows up here
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
  expect(unhandled).toEqual([]);
  expect(outcomes.filter((o) => o !== "ok" && o !== "LG_STORE_UNAVAILABLE")).toEqual([]);
  console.log(`pings with statement_timeout = 1 ms: ${outcomes.join(", ")}`);
});
