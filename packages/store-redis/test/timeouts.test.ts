import { StoreClosedError, StoreUnavailableError } from "@lg/core";
import { createTestCheckpoint, uniqueId } from "@lg/store-testkit";
import { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT_MS, RedisCheckpointStore } from "@lg/store-redis";
import { createClient } from "redis";
import { eventually } from "./helpers.js";
import { openTcpSockets, SilentServer } from "./net-faults.js";
import { PrivateRedis } from "./private-redis.js";
import { CLOSE_GRACE_MS } from "../src/connection.js";

/**
 * Every wait of the store has a bound: opening a connection (`connectTimeout`, TCP and handshake), each command
 * (`commandTimeout`) and `close()`. The bounds are checked against real hung servers, a listener that accepts and
 * never answers and a redis-server frozen with SIGSTOP, with generous slack: CI is a loaded 2-core machine, and the
 * point is "bounded, and far below the old minutes", not a precise figure.
 */

const SLACK_MS = 5000;
// close() takes about its grace period (0.5 s PostgreSQL, 1 s Redis); a busy 2-core machine may add to it. The
// faults fixed took 5 s or never returned.
const CLOSE_BOUND_MS = 3000;

/** Runs `call`, expects a `StoreUnavailableError`, and returns it with the time it took. */
async function unavailableAfter(call: () => Promise<unknown>): Promise<{ error: StoreUnavailableError; ms: number }> {
  const started = Date.now();
  const error = await call().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  const ms = Date.now() - started;
  expect(error).toBeInstanceOf(StoreUnavailableError);
  expect((error as StoreUnavailableError).code).toBe("LG_STORE_UNAVAILABLE");
  return { error: error as StoreUnavailableError, ms };
}

/** Waits until the process holds no more TCP sockets than `baseline` (a leftover socket keeps a process alive). */
async function expectNoSocketLeftAbove(baseline: number): Promise<void> {
  expect(await eventually(async () => openTcpSockets() <= baseline, 3000)).toBe(true);
}

describe("a server that accepts connections and never answers", () => {
  let silent: SilentServer;
  beforeEach(async () => {
    silent = await SilentServer.start();
  });
  afterEach(async () => {
    await silent.close();
  });

  it("fails the call with StoreUnavailableError within connectTimeout and leaves no socket open", async () => {
    const baseline = openTcpSockets();
    const store = new RedisCheckpointStore({ addr: `127.0.0.1:${silent.port}`, connectTimeout: 1000 });
    const { error, ms } = await unavailableAfter(() =>
      store.save(createTestCheckpoint({ executionId: uniqueId("hung") })),
    );
    console.log(`silent server, connectTimeout 1000: save failed after ${ms} ms`);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(1000 + SLACK_MS);
    expect(error.message).toMatch(/connectTimeout/);
    expect(error.message).toContain(`127.0.0.1:${silent.port}`);
    await expectNoSocketLeftAbove(baseline); // the half-open connection was dropped, not left to hang
    const again = await unavailableAfter(() => store.latest("x")); // the next call tries again, with the same bound
    expect(again.ms).toBeLessThan(1000 + SLACK_MS);
    const closing = Date.now();
    await store.close();
    expect(Date.now() - closing).toBeLessThan(CLOSE_BOUND_MS);
    await expectNoSocketLeftAbove(baseline);
  });

  it("with the defaults, RedisCheckpointStore.connect gives up after the default connectTimeout", async () => {
    const baseline = openTcpSockets();
    const { ms } = await unavailableAfter(() => RedisCheckpointStore.connect({ addr: `127.0.0.1:${silent.port}` }));
    console.log(`silent server, default connectTimeout ${DEFAULT_CONNECT_TIMEOUT_MS}: connect() failed after ${ms} ms`);
    expect(ms).toBeLessThan(DEFAULT_CONNECT_TIMEOUT_MS + SLACK_MS);
    await expectNoSocketLeftAbove(baseline);
  }, 30_000);

  it("close() during the connect returns promptly and the waiting call fails", async () => {
    const baseline = openTcpSockets();
    const store = new RedisCheckpointStore({ addr: `127.0.0.1:${silent.port}`, connectTimeout: 60_000 });
    const pending = store.ping().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(await eventually(async () => silent.openConnections > 0)).toBe(true);
    const closing = Date.now();
    await store.close();
    expect(Date.now() - closing).toBeLessThan(CLOSE_GRACE_MS + SLACK_MS);
    expect(await pending).toBeInstanceOf(StoreClosedError);
    await expectNoSocketLeftAbove(baseline);
  });
});

describe("a server frozen with SIGSTOP", () => {
  let server: PrivateRedis;
  beforeEach(async () => {
    server = await PrivateRedis.start();
  });
  afterEach(async () => {
    server.thaw();
    await server.dispose();
  });

  it("a command fails within commandTimeout, reconnects fail within connectTimeout, and the store recovers after SIGCONT", async () => {
    const store = new RedisCheckpointStore({
      addr: `127.0.0.1:${server.port}`,
      commandTimeout: 1000,
      connectTimeout: 1000,
    });
    const executionId = uniqueId("frozen");
    const first = createTestCheckpoint({ executionId, version: 1 });
    const second = createTestCheckpoint({ executionId, version: 2, parentId: first.id });
    await store.save(first);
    server.freeze();
    const timedOut = await unavailableAfter(() => store.save(second));
    console.log(`frozen server, commandTimeout 1000: save failed after ${timedOut.ms} ms`);
    expect(timedOut.ms).toBeGreaterThanOrEqual(900);
    expect(timedOut.ms).toBeLessThan(1000 + SLACK_MS);
    expect(timedOut.error.message).toMatch(/commandTimeout/);
    // the kernel still accepts connections for the frozen process, so the next call's connect hangs in the handshake
    const reconnect = await unavailableAfter(() => store.latest(executionId));
    expect(reconnect.ms).toBeLessThan(1000 + SLACK_MS);
    expect(reconnect.error.message).toMatch(/connectTimeout/);
    server.thaw();
    await store.save(second); // the timed-out save may have been applied after all: saving it again is safe
    expect(await store.list(executionId)).toEqual([first, second]);
    await store.close();
  });

  it("with the defaults, a call fails within the default commandTimeout", async () => {
    const store = await RedisCheckpointStore.connect({ addr: `127.0.0.1:${server.port}` });
    server.freeze();
    const { ms } = await unavailableAfter(() => store.latest(uniqueId("frozen")));
    console.log(`frozen server, default commandTimeout ${DEFAULT_COMMAND_TIMEOUT_MS}: latest failed after ${ms} ms`);
    expect(ms).toBeLessThan(DEFAULT_COMMAND_TIMEOUT_MS + SLACK_MS);
    await store.close();
  }, 30_000);

  it("close() with a call stuck on the frozen server returns within its grace period and leaves no socket", async () => {
    const baseline = openTcpSockets();
    const store = await RedisCheckpointStore.connect({ addr: `127.0.0.1:${server.port}`, commandTimeout: 60_000 });
    server.freeze();
    const pending = store.save(createTestCheckpoint({ executionId: uniqueId("hung") })).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    const closing = Date.now();
    await store.close();
    const ms = Date.now() - closing;
    console.log(`frozen server: close() with a save under way returned after ${ms} ms`);
    expect(ms).toBeLessThan(CLOSE_GRACE_MS + SLACK_MS);
    expect(await pending).toBeInstanceOf(StoreClosedError);
    await expectNoSocketLeftAbove(baseline);
  });

  it("an injected client gets the command timeout too, and is left open for its owner", async () => {
    const client = createClient({ url: server.url });
    client.on("error", () => undefined);
    await client.connect();
    const store = new RedisCheckpointStore({ client, commandTimeout: 1000 });
    await store.ping();
    server.freeze();
    const { ms } = await unavailableAfter(() => store.ping());
    expect(ms).toBeLessThan(1000 + SLACK_MS);
    await store.close();
    expect(client.isOpen).toBe(true);
    server.thaw();
    expect(await client.ping()).toBe("PONG");
    await client.close();
  });
});
