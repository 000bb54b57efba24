import { PostgresCheckpointStore } from "@lg/store-postgres";
import { postgresForTests } from "@lg/store-testkit";
import { EXIT_CODES } from "../src/index.js";
import { assertBuilt, linesOf, runBin, seedExecution, tempDir } from "./helpers.js";
import { describeCliOnStore } from "./store-suite.js";

// Each test gets a schema of its own (postgresForTests), named in the URL the binary gets.
describeCliOnStore("PostgreSQL", async () => {
  const db = await postgresForTests();
  const store = new PostgresCheckpointStore({ connString: db.url, schema: db.schema, poolSize: 2 });
  await store.setup();
  return {
    url: `${db.url}?schema=${db.schema}`,
    store,
    async cleanup() {
      await store.close();
      await db.cleanup();
    },
  };
});

describe("lg-checkpoints on PostgreSQL: errors and migration", () => {
  beforeAll(assertBuilt);

  it("exits 5 for an unreachable server without printing the password", async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const result = await runBin(["ping", "-s", "postgres://app:s3cret-pw@127.0.0.1:1/app"]);
    expect(result.code).toBe(EXIT_CODES.unreachable);
    expect(result.stderr.split("\n")).toHaveLength(2);
    expect(result.stderr).toMatch(/^lg-checkpoints: /);
    expect(result.stderr).not.toContain("s3cret-pw");
  });

  it("exits 3 when the schema holds no checkpoint table, without creating it", async () => {
    const db = await postgresForTests();
    try {
      const result = await runBin(["executions", "-s", `${db.url}?schema=${db.schema}`]);
      expect(result.code).toBe(EXIT_CODES.badUrl);
      expect(result.stderr).toMatch(
        /^lg-checkpoints: no checkpoint table at this store URL \(.*\); check \?schema= and \?table=/,
      );
      expect(
        await db.query("SELECT table_name FROM information_schema.tables WHERE table_schema = $1", [db.schema]),
      ).toEqual([]);
    } finally {
      await db.cleanup();
    }
  });

  it("reads a database that predates the registry: executions without its columns, --status with exit code 10", async () => {
    const db = await postgresForTests();
    const store = new PostgresCheckpointStore({ connString: db.url, schema: db.schema, poolSize: 2 });
    try {
      await store.setup();
      const chain = await seedExecution(store, 2);
      // The registry's table as a database migrated before the registry existed lacks it (a no-op without one).
      await db.query(`DROP TABLE IF EXISTS "${db.schema}".checkpoints_executions`);
      const url = `${db.url}?schema=${db.schema}`;
      const listed = await runBin(["executions", "-s", url]);
      expect([listed.code, linesOf(listed.stdout)]).toEqual([
        0,
        [
          expect.stringMatching(/^execution\s+latest version\s+updated$/),
          expect.stringContaining(chain[0]?.executionId as string),
        ],
      ]);
      const stats = await runBin(["stats", "--json", "-s", url]);
      expect(JSON.parse(stats.stdout)).not.toHaveProperty("registry");
      const filtered = await runBin(["executions", "--status", "done", "-s", url]);
      expect([filtered.code, filtered.stderr]).toEqual([
        EXIT_CODES.noRegistry,
        expect.stringMatching(
          store.registry === undefined
            ? /keeps no execution registry/
            : /has no execution registry table yet \(its database predates the registry; the store's setup\(\) creates it\), so "executions --status"/,
        ),
      ]);
      const cancelled = await runBin(["cancel", chain[0]?.executionId as string, "-s", url]);
      expect(cancelled.code).toBe(EXIT_CODES.noRegistry);
    } finally {
      await store.close();
      await db.cleanup();
    }
  });

  it("copies a SQLite file into PostgreSQL (creating the table), and a re-run after an interruption completes it", async () => {
    const db = await postgresForTests();
    const files = tempDir();
    const { SqliteCheckpointStore } = await import("@lg/store-sqlite");
    const source = new SqliteCheckpointStore({ path: `${files.dir}/source.db` });
    const target = new PostgresCheckpointStore({ connString: db.url, schema: db.schema, poolSize: 2 });
    try {
      // Without task results: this test is about the copy and its counts, and a store that does not keep them yet
      // would make the comparison below fail for a reason of its own (the conformance spec of each store checks it).
      const chain = await seedExecution(source, 5, { fork: true, tasks: false });
      await seedExecution(source, 3, { tasks: false });
      // An interrupted earlier run: the target got the first two checkpoints of one execution only.
      await target.setup();
      for (const cp of chain.slice(0, 2)) await target.save(cp);
      const to = `${db.url}?schema=${db.schema}`;
      const copy = await runBin(["copy", "--from", `sqlite:${files.dir}/source.db`, "--to", to]);
      expect([copy.code, copy.stderr]).toEqual([
        0,
        expect.stringMatching(/^copied 9 checkpoints of 2 executions .*count check passed for 2 executions/),
      ]);
      expect(await target.stats()).toMatchObject({ checkpoints: 9, executions: 2 });
      expect(await target.list(chain[0]?.executionId as string)).toEqual(
        await source.list(chain[0]?.executionId as string),
      );
    } finally {
      await source.close();
      await target.close();
      await db.cleanup();
      files.remove();
    }
  });
});
