import { StoreClosedError, StoreUnavailableError } from "@lg/core";
import { createTestCheckpoint, uniqueId } from "@lg/store-testkit";
import { DEFAULT_CONNECT_TIMEOUT_MS, PostgresCheckpointStore } from "@lg/store-postgres";
import postgres from "postgres";
import { adminClient, createTestStore } from "./helpers.js";
import { silentListener, usePrivatePostgres, type PrivatePostgres } from "./private-postgres.js";

/**
 * Every wait of the store has a bound: a new connection (`connectTimeoutMs`), each statement (`commandTimeoutMs`,
 * the server's `statement_timeout` plus a client-side bound for a server that does not answer) and `close()`. They
 * are checked against real hung servers, a listener that accepts and never answers and a PostgreSQL of the test's
 * own frozen with SIGSTOP, with generous slack: CI is a loaded 2-core machine, and the point is "bounded, and far
 * below the old forever", not a precise figure. Each test logs what it measured.
 */

const SLACK_MS = 4000;
// close() takes about its grace period (0.5 s PostgreSQL, 1 s Redis); a busy 2-core machine may add to it. The
// faults fixed took 5 s or never returned.
const CLOSE_BOUND_MS = 3000;

const someCheckpoint = (): ReturnType<typeof createTestCheckpoint> =>
  createTestCheckpoint({ executionId: uniqueId("bound") });

/** Runs `call`, expects it to reject with `type`, and returns the error with the time it took. */
async function rejectsAfter<E extends Error>(
  type: new (...args: never[]) => E,
  call: () => Promise<unknown>,
): Promise<{ error: E; ms: number }> {
  const started = Date.now();
  const error = await call().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  const ms = Date.now() - started;
  expect(error).toBeInstanceOf(type);
  return { error: error as E, ms };
}

describe("a server that accepts connections and never answers", () => {
  let silent: Awaited<ReturnType<typeof silentListener>>;
  beforeEach(async () => {
    silent = await silentListener();
  });
  afterEach(async () => {
    await silent.close();
  });

  it("fails a call with StoreUnavailableError within connectTimeoutMs, and close() returns at once", async () => {
    const store = new PostgresCheckpointStore({ connString: silent.url, connectTimeoutMs: 1000 });
    const { error, ms } = await rejectsAfter(StoreUnavailableError, () => store.save(someCheckpoint()));
    console.log(`silent listener, connectTimeoutMs 1000: save failed after ${ms} ms`);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(1000 + SLACK_MS);
    expect(error.message).toMatch(/CONNECT_TIMEOUT/);
    const closing = Date.now();
    await store.close();
    expect(Date.now() - closing).toBeLessThan(CLOSE_BOUND_MS);
  });

  it("fails connect() within the default connectTimeoutMs (5 s; postgres.js alone waits 30 s)", async () => {
    const { ms } = await rejectsAfter(StoreUnavailableError, () =>
      PostgresCheckpointStore.connect({ connString: silent.url }),
    );
    console.log(`silent listener, defaults: connect() failed after ${ms} ms`);
    expect(ms).toBeGreaterThanOrEqual(DEFAULT_CONNECT_TIMEOUT_MS - 100);
    expect(ms).toBeLessThan(DEFAULT_CONNECT_TIMEOUT_MS + SLACK_MS);
  }, 30_000);
});

describe("a statement that runs too long on a healthy server", () => {
  it("is canceled by the server after commandTimeoutMs (statement_timeout); the store's connections stay usable", async () => {
    const t = await createTestStore({ commandTimeoutMs: 500 });
    const admin = await adminClient();
    try {
      await t.store.ping();
      // Another session holds the table: the save waits for the lock until the server cancels it.
      const locker = await admin.reserve();
      await locker.unsafe("BEGIN");
      await locker.unsafe(`LOCK TABLE ${t.store.qualifiedTableName} IN ACCESS EXCLUSIVE MODE`);
      const { error, ms } = await rejectsAfter(StoreUnavailableError, () => t.store.save(someCheckpoint()));
      await locker.unsafe("ROLLBACK");
      locker.release();
      console.log(`locked table, commandTimeoutMs 500: save canceled by the server after ${ms} ms`);
      expect(ms).toBeGreaterThanOrEqual(450);
      expect(ms).toBeLessThan(500 + SLACK_MS);
      expect(error.message).toMatch(/canceled the statement: canceling statement due to statement timeout \(57014\)/);
      const cp = someCheckpoint();
      await t.store.save(cp);
      expect((await t.store.load(cp.id))?.id).toBe(cp.id);
    } finally {
      await admin.end();
      await t.cleanup();
    }
  });
});

describe("a server frozen with SIGSTOP, or stopped", () => {
  const scope = usePrivatePostgres();
  let server: PrivatePostgres;
  beforeAll(() => {
    server = scope.server;
  });

  const open = (): Promise<PostgresCheckpointStore> =>
    PostgresCheckpointStore.connect({
      connString: server.url,
      commandTimeoutMs: 1000,
      connectTimeoutMs: 1000,
      poolSize: 2,
    });

  it("fails a save within commandTimeoutMs plus a second, then the next call within connectTimeoutMs; after SIGCONT calls work", async () => {
    const store = await open();
    try {
      const executionId = uniqueId("frozen");
      await store.save(createTestCheckpoint({ executionId, version: 1 }));
      await server.freeze();
      const timedOut = await rejectsAfter(StoreUnavailableError, () =>
        store.save(createTestCheckpoint({ executionId, version: 2 })),
      );
      console.log(`frozen server, commandTimeoutMs 1000: save failed after ${timedOut.ms} ms`);
      expect(timedOut.ms).toBeGreaterThanOrEqual(1900);
      expect(timedOut.ms).toBeLessThan(2000 + SLACK_MS);
      expect(timedOut.error.message).toMatch(/did not answer within 2000 ms \(commandTimeoutMs 1000 ms/);
      // The pool was dropped: the next call opens a connection, which the frozen server never completes.
      const reconnect = await rejectsAfter(StoreUnavailableError, () => store.ping());
      console.log(`frozen server: the next call failed after ${reconnect.ms} ms`);
      expect(reconnect.ms).toBeLessThan(2000 + SLACK_MS);
      server.thaw();
      // A timed-out save may or may not have landed; saving it again is safe either way.
      await store.save(createTestCheckpoint({ executionId, version: 3 }));
      expect((await store.latest(executionId))?.version).toBe(3);
    } finally {
      await store.close();
    }
  }, 60_000);

  it("bounds calls on an injected client too, and leaves that client to its owner", async () => {
    const sql = postgres(server.url, { max: 2, onnotice: () => undefined });
    const store = await PostgresCheckpointStore.connect({ sql, commandTimeoutMs: 1000 });
    try {
      await server.freeze();
      const { ms } = await rejectsAfter(StoreUnavailableError, () => store.save(someCheckpoint()));
      console.log(`frozen server, injected client: save failed after ${ms} ms`);
      expect(ms).toBeLessThan(2000 + SLACK_MS);
      expect(store.sql).toBe(sql); // not replaced: the store never ends or swaps a client it did not create
      server.thaw();
      await store.ping();
    } finally {
      await store.close();
      await sql.end({ timeout: 1 });
    }
  }, 30_000);

  it("close() returns within about a second while a save is stuck on the frozen server, which rejects with StoreClosedError", async () => {
    const store = await open();
    await store.ping();
    await server.freeze();
    const stuck = rejectsAfter(StoreClosedError, () => store.save(someCheckpoint()));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the save is under way
    const closing = Date.now();
    await store.close();
    const ms = Date.now() - closing;
    console.log(`frozen server: close() with a save under way returned after ${ms} ms`);
    expect(ms).toBeLessThan(CLOSE_BOUND_MS);
    expect((await stuck).ms).toBeLessThan(CLOSE_BOUND_MS + 100);
  }, 30_000);

  it("close() returns within about a second while the server is down", async () => {
    const store = await open();
    await store.ping();
    await server.stop();
    await rejectsAfter(StoreUnavailableError, () => store.ping());
    const pending = store.save(someCheckpoint()).catch((e: unknown) => e);
    const closing = Date.now();
    await store.close();
    const ms = Date.now() - closing;
    console.log(`server down: close() returned after ${ms} ms`);
    expect(ms).toBeLessThan(CLOSE_BOUND_MS);
    expect(await pending).toBeInstanceOf(Error);
  }, 60_000);
});
