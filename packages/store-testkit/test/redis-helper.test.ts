import { StoreUnavailableError } from "@lg/core";
import { redisForTests, type RedisTestDatabase } from "../src/index.js";

// Runs against the local Redis (or LG_TEST_REDIS_URL). Every prefix used here is cleaned in afterEach.
const opened: RedisTestDatabase[] = [];
async function open(options: Parameters<typeof redisForTests>[0] = {}): Promise<RedisTestDatabase> {
  const db = await redisForTests(options);
  opened.push(db);
  return db;
}
afterEach(async () => {
  for (const db of opened.splice(0)) await db.cleanup();
});

describe("redisForTests", () => {
  it("falls back to the server on the local port when no URL is set and containers are off", async () => {
    const db = await open({ env: {}, containers: false });
    expect(db.source).toBe("local");
    expect(db.url).toBe("redis://127.0.0.1:6379");
    expect(await db.command(["PING"])).toBe("PONG");
  });

  it("probes for a container runtime before the local port and still finds a server", async () => {
    const db = await open({ env: {}, containerProbeTimeoutMs: 2000 });
    expect(["container", "local"]).toContain(db.source);
  });

  it("prefers LG_TEST_REDIS_URL", async () => {
    const url = process.env.LG_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
    const db = await open({ env: { LG_TEST_REDIS_URL: url } });
    expect(db.source).toBe("env");
    expect(db.url).toBe(url);
  });

  it("gives each call its own prefix and lists only its keys", async () => {
    const a = await open();
    const b = await open();
    expect(a.prefix).toMatch(/^lg_test:[0-9a-f]{12}:$/);
    expect(b.prefix).not.toBe(a.prefix);
    await a.command(["SET", `${a.prefix}one`, "1"]);
    await a.command(["SET", `${a.prefix}two`, "2"]);
    await b.command(["SET", `${b.prefix}other`, "3"]);
    expect((await a.keys()).sort()).toEqual([`${a.prefix}one`, `${a.prefix}two`]);
    expect(await b.keys()).toEqual([`${b.prefix}other`]);
  });

  it("cleanup deletes the keys under its prefix only and is safe to call twice", async () => {
    const other = await open();
    const db = await redisForTests();
    for (let i = 0; i < 1200; i++) await db.command(["SET", `${db.prefix}k${i}`, "x"]);
    await other.command(["SET", `${other.prefix}kept`, "y"]);
    await db.cleanup();
    await db.cleanup();
    const left = await other.command(["EXISTS", `${db.prefix}k0`, `${db.prefix}k1199`]);
    expect(left).toBe(0);
    expect(await other.command(["GET", `${other.prefix}kept`])).toBe("y");
  });

  it("rejects, redacting the password, when LG_TEST_REDIS_URL points at no server", async () => {
    const attempt = redisForTests({ env: { LG_TEST_REDIS_URL: "redis://user:s3cret@127.0.0.1:1" } });
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e as StoreUnavailableError,
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error?.message).toContain("LG_TEST_REDIS_URL=redis://user:***@127.0.0.1:1");
    expect(error?.message).not.toContain("s3cret");
  });

  it("names all three ways to provide a server when none is found", async () => {
    const attempt = redisForTests({ env: {}, containers: false, localPort: 1 });
    await expect(attempt).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(attempt).rejects.toThrow(
      /LG_TEST_REDIS_URL environment variable: not set[\s\S]*testcontainers \(redis:7-alpine\)[\s\S]*127\.0\.0\.1:1/,
    );
  });
});
