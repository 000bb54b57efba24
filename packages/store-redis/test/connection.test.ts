import { StoreClosedError, StoreUnavailableError } from "@lg/core";
import { createCheckpointChain, createTestCheckpoint, uniqueId } from "@lg/store-testkit";
import { RedisCheckpointStore } from "@lg/store-redis";
import { createClient } from "redis";
import { openNamespace, type Namespace } from "./helpers.js";
import { freePort, PrivateRedis } from "./private-redis.js";
import { LIST } from "../src/paged-scripts.js";
import { SAVE } from "../src/scripts.js";

async function expectUnavailable(promise: Promise<unknown>): Promise<StoreUnavailableError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(StoreUnavailableError);
  expect((error as StoreUnavailableError).code).toBe("LG_STORE_UNAVAILABLE");
  return error as StoreUnavailableError;
}

describe("connection failures", () => {
  it("a refused connection rejects with StoreUnavailableError naming the address, at once", async () => {
    const port = await freePort();
    const store = new RedisCheckpointStore({ addr: `127.0.0.1:${port}` });
    const started = Date.now();
    const error = await expectUnavailable(store.ping());
    expect(Date.now() - started).toBeLessThan(3000); // one attempt, not the background retry loop
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toMatch(/ECONNREFUSED/);
    await expectUnavailable(store.load("x")); // and again on the next call, which tries once more
    await store.close();
  });

  it("RedisCheckpointStore.connect fails fast when the server cannot be reached", async () => {
    const port = await freePort();
    await expectUnavailable(RedisCheckpointStore.connect({ addr: `127.0.0.1:${port}` }));
  });

  it("never shows a password, from the URL or the options", async () => {
    const port = await freePort();
    const fromUrl = new RedisCheckpointStore({ url: `redis://admin:s3cret-url@127.0.0.1:${port}/0` });
    const fromOption = new RedisCheckpointStore({ addr: `127.0.0.1:${port}`, password: "s3cret-opt" });
    for (const store of [fromUrl, fromOption]) {
      const error = await expectUnavailable(store.save(createTestCheckpoint({ executionId: uniqueId("pw") })));
      expect(`${error.message} ${String(error.stack)}`).not.toMatch(/s3cret/);
      await store.close();
    }
  });

  describe("on a server of its own", () => {
    let server: PrivateRedis;
    beforeAll(async () => {
      server = await PrivateRedis.start(["--requirepass", "right-password"]);
    });
    afterAll(async () => {
      await server?.dispose();
    });

    it("a wrong password is StoreUnavailableError without the password; the right one works", async () => {
      const wrong = new RedisCheckpointStore({ addr: `127.0.0.1:${server.port}`, password: "wrong-password" });
      const error = await expectUnavailable(wrong.ping());
      expect(error.message).toMatch(/WRONGPASS|invalid password/i);
      expect(error.message).not.toContain("wrong-password");
      await wrong.close();
      const right = await RedisCheckpointStore.connect({
        addr: `127.0.0.1:${server.port}`,
        password: "right-password",
      });
      await right.close();
    });

    it("an outage fails calls fast, and the store works again once the server is back", async () => {
      const store = new RedisCheckpointStore({ addr: `127.0.0.1:${server.port}`, password: "right-password" });
      const cp = createTestCheckpoint({ executionId: uniqueId("outage") });
      await store.save(cp);
      await server.stop();
      const started = Date.now();
      await expectUnavailable(store.latest(cp.executionId));
      await expectUnavailable(store.save(createTestCheckpoint({ executionId: cp.executionId, version: 2 })));
      expect(Date.now() - started).toBeLessThan(3000); // rejected, not queued until the server returns
      await server.resume(); // a fresh server: no persistence, so the data is gone, but the store must work
      await store.save(cp); // the first call after the outage connects again by itself
      expect(await store.latest(cp.executionId)).toEqual(cp);
      await store.close();
    });

    it("falls back to EVAL when the server lost its script cache, and caches the script again", async () => {
      const store = await RedisCheckpointStore.connect({
        addr: `127.0.0.1:${server.port}`,
        password: "right-password",
      });
      const admin = createClient({ url: server.url, password: "right-password" });
      admin.on("error", () => undefined);
      await admin.connect();
      const cached = async (): Promise<unknown> => admin.sendCommand(["SCRIPT", "EXISTS", SAVE.sha, LIST.sha]);
      try {
        const executionId = uniqueId("noscript");
        await store.save(createTestCheckpoint({ executionId, version: 1 }));
        await store.list(executionId);
        await admin.sendCommand(["SCRIPT", "FLUSH"]);
        expect(await cached()).toEqual([0, 0]);
        await store.save(createTestCheckpoint({ executionId, version: 2 }));
        expect((await store.list(executionId)).map((cp) => cp.version)).toEqual([1, 2]);
        expect(await cached()).toEqual([1, 1]);
      } finally {
        await admin.close();
        await store.close();
      }
    });
  });
});

describe("injected client", () => {
  let ns: Namespace;
  beforeEach(async () => {
    ns = await openNamespace();
  });
  afterEach(async () => {
    await ns.cleanup();
  });

  it("connects a client that is not open yet, uses it, and leaves it open on close", async () => {
    const client = createClient({ url: ns.db.url });
    client.on("error", () => undefined);
    const store = new RedisCheckpointStore({ client, prefix: ns.db.prefix });
    const cp = createTestCheckpoint({ executionId: uniqueId("inject") });
    await store.save(cp);
    expect(client.isOpen).toBe(true);
    expect(await store.load(cp.id)).toEqual(cp);
    await store.close();
    await expect(store.load(cp.id)).rejects.toBeInstanceOf(StoreClosedError);
    expect(client.isOpen).toBe(true);
    expect(await client.hGet(store.keys.checkpoint(cp.id), "executionId")).toBe(cp.executionId);
    await client.close();
  });
});

describe("close during work", () => {
  it("a multi-round-trip call under way when close() runs does not reopen the connection", async () => {
    const prefix = `${uniqueId("lg-close")}:`;
    const url = process.env.LG_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
    const store = new RedisCheckpointStore({ url, prefix });
    const chain = createCheckpointChain(uniqueId("close"), 1200);
    try {
      // more checkpoints than one list page (200), so list() needs several round trips
      await Promise.all(chain.map((cp) => store.save(cp)));
      const pending = store.list(chain[0]!.executionId);
      await store.close();
      await expect(pending).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.ping()).rejects.toBeInstanceOf(StoreClosedError);
    } finally {
      const cleaner = new RedisCheckpointStore({ url, prefix });
      await cleaner.clear(chain[0]!.executionId);
      await cleaner.close();
    }
  });
});
