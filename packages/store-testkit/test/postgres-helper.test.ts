import { StoreUnavailableError } from "@lg/core";
import { postgresForTests, type PostgresTestDatabase } from "../src/index.js";

// Runs against the local PostgreSQL (or LG_TEST_POSTGRES_URL). Every database here is dropped in afterEach.
const opened: PostgresTestDatabase[] = [];
async function open(options: Parameters<typeof postgresForTests>[0] = {}): Promise<PostgresTestDatabase> {
  const db = await postgresForTests(options);
  opened.push(db);
  return db;
}
afterEach(async () => {
  for (const db of opened.splice(0)) await db.cleanup();
});

async function schemaExists(probe: PostgresTestDatabase, schema: string): Promise<boolean> {
  const rows = await probe.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
  return rows.length === 1;
}

describe("postgresForTests", () => {
  it("falls back to the server on the local port when no URL is set and containers are off", async () => {
    const db = await open({ env: {}, containers: false });
    expect(db.source).toBe("local");
    expect(db.url).toBe("postgres://postgres@127.0.0.1:5432/postgres");
  });

  it("probes for a container runtime before the local port and still finds a server", async () => {
    const db = await open({ env: {}, containerProbeTimeoutMs: 2000 });
    expect(["container", "local"]).toContain(db.source);
    expect(await db.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });

  it("prefers LG_TEST_POSTGRES_URL", async () => {
    const url = process.env.LG_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
    const db = await open({ env: { LG_TEST_POSTGRES_URL: url } });
    expect(db.source).toBe("env");
    expect(db.url).toBe(url);
  });

  it("gives each call its own lg_test_ schema, used as search_path by query", async () => {
    const a = await open();
    const b = await open();
    expect(a.schema).toMatch(/^lg_test_[0-9a-f]{12}$/);
    expect(b.schema).not.toBe(a.schema);
    await a.query("CREATE TABLE items (name text)");
    await a.query("INSERT INTO items VALUES ($1)", ["only in a"]);
    expect(await a.query("SELECT name FROM items")).toEqual([{ name: "only in a" }]);
    await expect(b.query("SELECT name FROM items")).rejects.toThrow(/does not exist/);
    expect(await a.query("SELECT current_schema() AS s")).toEqual([{ s: a.schema }]);
  });

  it("cleanup drops the schema with its tables and is safe to call twice", async () => {
    const probe = await open();
    const db = await postgresForTests();
    await db.query("CREATE TABLE t (x int)");
    expect(await schemaExists(probe, db.schema)).toBe(true);
    await db.cleanup();
    await db.cleanup();
    expect(await schemaExists(probe, db.schema)).toBe(false);
  });

  it("rejects, redacting the password, when LG_TEST_POSTGRES_URL points at no server", async () => {
    const attempt = postgresForTests({ env: { LG_TEST_POSTGRES_URL: "postgres://user:s3cret@127.0.0.1:1/db" } });
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e as StoreUnavailableError,
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error?.code).toBe("LG_STORE_UNAVAILABLE");
    expect(error?.message).toContain("LG_TEST_POSTGRES_URL=postgres://user:***@127.0.0.1:1/db");
    expect(error?.message).not.toContain("s3cret");
  });

  it("names all three ways to provide a server when none is found", async () => {
    const attempt = postgresForTests({ env: {}, containers: false, localPort: 1 });
    await expect(attempt).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(attempt).rejects.toThrow(
      /LG_TEST_POSTGRES_URL environment variable: not set[\s\S]*testcontainers \(postgres:15-alpine\)[\s\S]*127\.0\.0\.1:1/,
    );
  });
});
