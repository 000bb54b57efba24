import { inspect } from "node:util";
import { randomBytes } from "node:crypto";
import { InvalidArgumentError, StoreUnavailableError, createCheckpointId, type Checkpoint } from "@lg/core";
import { createTestCheckpoint } from "@lg/store-testkit";
import type postgres from "postgres";
import { PostgresCheckpointStore } from "../src/index.js";
import { adminClient, createTestStore, randomSchemaName, serverUrl, type TestStore } from "./helpers.js";

const PASSWORD = "s3cret-Pa55word";
const ANY_URL = "postgres://postgres@127.0.0.1:5432/postgres"; // for option checks that never connect

const checkpoint = (executionId: string, version: number): Checkpoint => createTestCheckpoint({ executionId, version });

function expectNoPassword(error: unknown): void {
  expect(error).toBeInstanceOf(StoreUnavailableError);
  const err = error as StoreUnavailableError;
  expect(err.code).toBe("LG_STORE_UNAVAILABLE");
  for (const text of [err.message, String(err), err.stack ?? "", inspect(err, { depth: 5 })]) {
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(encodeURIComponent(PASSWORD));
  }
}

describe("errors", () => {
  it("turns a refused connection into StoreUnavailableError without the password", async () => {
    const connString = `postgres://postgres:${PASSWORD}@127.0.0.1:1/test`;
    const store = new PostgresCheckpointStore({ connString, clientOptions: { connect_timeout: 2 } });
    try {
      const error = await store.latest("e").then(
        () => undefined,
        (e: unknown) => e,
      );
      expectNoPassword(error);
      expect((error as Error).message).toContain("postgres@127.0.0.1:1/test");
      expect((error as Error).message).toContain("ECONNREFUSED");
      expectNoPassword(
        await store.ping().then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
    } finally {
      await store.close();
    }
    const failed = await PostgresCheckpointStore.connect({ connString }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expectNoPassword(failed);
  });

  it("turns an unknown database into StoreUnavailableError without the password", async () => {
    const server = new URL(await serverUrl());
    server.password = PASSWORD;
    server.pathname = `/lg_no_such_db_${randomBytes(3).toString("hex")}`;
    const store = new PostgresCheckpointStore({ connString: server.href });
    try {
      const error = await store.ping().then(
        () => undefined,
        (e: unknown) => e,
      );
      expectNoPassword(error);
      expect((error as Error).message).toMatch(/3D000|28P01/); // no such database (or, with password auth, no such login)
    } finally {
      await store.close();
    }
  });

  it("tells the caller to run setup() when the table is missing", async () => {
    const store = new PostgresCheckpointStore({ connString: await serverUrl(), schema: randomSchemaName("lgnone") });
    try {
      await expect(store.load("x")).rejects.toThrow(/does not exist.*store\.setup\(\)/);
      await expect(store.load("x")).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await store.close();
    }
  });

  it("rejects bad options with InvalidArgumentError naming them", () => {
    expect(() => new PostgresCheckpointStore({})).toThrow(InvalidArgumentError);
    expect(() => new PostgresCheckpointStore({ connString: ANY_URL, tableName: 'x"; drop table y; --' })).toThrow(
      /tableName/,
    );
    expect(() => new PostgresCheckpointStore({ connString: ANY_URL, schema: "a.b" })).toThrow(/schema/);
    expect(() => new PostgresCheckpointStore({ connString: ANY_URL, tableName: "t".repeat(47) })).toThrow(/46/);
    expect(() => new PostgresCheckpointStore({ connString: ANY_URL, poolSize: 0 })).toThrow(/poolSize/);
  });

  describe("backends terminated mid-run", () => {
    let t: TestStore;
    let admin: postgres.Sql;
    const applicationName = `lgterm_${randomBytes(4).toString("hex")}`;

    beforeAll(async () => {
      t = await createTestStore({ applicationName, poolSize: 3 });
      admin = await adminClient();
    });

    afterAll(async () => {
      await admin?.end();
      await t?.cleanup();
    });

    // Terminates the store's backends: all of them, or only those waiting for a lock (a call in flight).
    async function terminateStoreBackends(onlyBlocked = false): Promise<number> {
      const rows = await admin.unsafe(
        "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1 " +
          (onlyBlocked ? "AND wait_event_type = 'Lock'" : ""),
        [applicationName],
      );
      return rows.filter((r) => r.done === true).length;
    }

    // Resolves true once one of the store's backends waits for a lock, false if `stop()` turns true first.
    async function waitUntilStoreBlocked(stop: () => boolean = () => false): Promise<boolean> {
      for (let i = 0; i < 300; i++) {
        if (stop()) return false;
        const [row] = await admin.unsafe(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
          [applicationName],
        );
        if (row?.n === 1) return true;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error("the store's save never blocked");
    }

    // An open transaction holding (executionId, 2) in the unique index, so that a save of version 2 blocks
    // server-side until the transaction ends.
    async function holdVersionTwo(executionId: string): Promise<postgres.ReservedSql> {
      const blocker = await admin.reserve();
      await blocker.unsafe("BEGIN");
      await blocker.unsafe(
        `INSERT INTO "${t.schema}".checkpoints (id, execution_id, node_name, state, metadata, "timestamp", version, next)
         VALUES ($1, $2, 'n', '{}', '{}', now(), 2, '[]')`,
        [createCheckpointId(), executionId],
      );
      return blocker;
    }

    it("recovers by itself when its idle connections were terminated", async () => {
      const executionId = `term-${randomBytes(4).toString("hex")}`;
      await Promise.all([1, 2, 3].map((v) => t.store.save(checkpoint(executionId, v)))); // fill the pool
      expect(await terminateStoreBackends()).toBeGreaterThanOrEqual(2);
      // Each pooled connection is dead; every call still succeeds, repeated once on a fresh connection.
      const versions = await Promise.all([1, 2, 3].map(() => t.store.latest(executionId).then((cp) => cp?.version)));
      expect(versions).toEqual([3, 3, 3]);
      await t.store.save(checkpoint(executionId, 4));
      expect((await t.store.list(executionId)).map((cp) => cp.version)).toEqual([1, 2, 3, 4]);
    });

    it("completes a save whose backend was terminated mid-call, by repeating it once", async () => {
      const executionId = `term-${randomBytes(4).toString("hex")}`;
      await t.store.save(checkpoint(executionId, 1));
      const blocker = await holdVersionTwo(executionId);
      const mine = checkpoint(executionId, 2);
      try {
        const saving = t.store.save(mine).then(
          () => "saved",
          (e: unknown) => e,
        );
        await waitUntilStoreBlocked();
        expect(await terminateStoreBackends(true)).toBe(1);
        await waitUntilStoreBlocked(); // the repeat, on another connection, waits for the same row
        await blocker.unsafe("ROLLBACK");
        expect(await saving).toBe("saved");
      } finally {
        blocker.release();
      }
      expect((await t.store.latest(executionId))?.id).toBe(mine.id);
    });

    it("rejects with StoreUnavailableError when every repeat loses its connection too, then recovers", async () => {
      const executionId = `term-${randomBytes(4).toString("hex")}`;
      await t.store.save(checkpoint(executionId, 1));
      const blocker = await holdVersionTwo(executionId);
      try {
        let settled = false;
        const saving = t.store.save(checkpoint(executionId, 2)).then(
          () => undefined,
          (e: unknown) => e,
        );
        void saving.finally(() => {
          settled = true;
        });
        // Kill the save's backend each time it blocks again, until the store gives up.
        let kills = 0;
        while (!settled && kills < 10) {
          if (await waitUntilStoreBlocked(() => settled)) kills += await terminateStoreBackends(true);
        }
        const error = await saving;
        // The first attempt and at least one repeat were killed (a repeat may also land on the dying socket).
        expect(kills).toBeGreaterThanOrEqual(2);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as Error).message).toMatch(/57P01|CONNECTION_CLOSED|ECONNRESET/);
        await blocker.unsafe("ROLLBACK");
      } finally {
        blocker.release();
      }
      await t.store.save(checkpoint(executionId, 2));
      expect((await t.store.list(executionId)).map((cp) => cp.version)).toEqual([1, 2]);
    });
  });
});

describe("a malformed connection string", () => {
  it.each(["postgres://u:s3cretPW@host:99999/db", "postgres://u:s3cretPW@ho st/db"])(
    "is an InvalidArgumentError that does not carry the password (%#)",
    async (connString) => {
      const { inspect } = await import("node:util");
      const { InvalidArgumentError } = await import("@lg/core");
      const { PostgresCheckpointStore } = await import("../src/index.js");
      let caught: unknown;
      try {
        new PostgresCheckpointStore({ connString });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidArgumentError);
      expect(inspect(caught)).not.toContain("s3cretPW");
      expect(String(caught)).toContain("not a valid postgres:// URL");
    },
  );
});
