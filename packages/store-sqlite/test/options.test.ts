import { InvalidArgumentError } from "@lg/core";
import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import { SqliteCheckpointStore, type SqliteOptions } from "@lg/store-sqlite";
import { makeCheckpoint, makeTempDir, type TempDir } from "./helpers.js";

let temp: TempDir;

beforeEach(() => {
  temp = makeTempDir();
});

afterEach(() => {
  temp.remove();
});

describe("options", () => {
  const badTableNames = ["x; DROP TABLE y", 'a"b', "1abc", "", "has space", "sqlite_master", "a".repeat(64), "名前"];

  it.each(badTableNames)("rejects the table name %j before touching the file", (tableName) => {
    expect(() => new SqliteCheckpointStore({ path: temp.file(), tableName })).toThrow(InvalidArgumentError);
    expect(existsSync(temp.file())).toBe(false);
  });

  it("leaves the database untouched when a table name is rejected", async () => {
    const store = new SqliteCheckpointStore({ path: temp.file(), tableName: "y" });
    expect(() => new SqliteCheckpointStore({ path: temp.file(), tableName: "x; DROP TABLE y" })).toThrow(
      /tableName must match/,
    );
    await store.save(makeCheckpoint());
    expect((await store.stats()).checkpoints).toBe(1);
    await store.close();
  });

  const badOptions: Array<[label: string, options: unknown]> = [
    ["no options", undefined],
    ["an empty path", { path: "" }],
    ["a non-string path", { path: 42 }],
    ["neither path nor database", { tableName: "t" }],
    ["both path and database", { path: ":memory:", database: {} }],
    ["a database that is not a connection", { database: {} }],
    ["a negative busy timeout", { path: ":memory:", busyTimeoutMs: -1 }],
    ["a fractional cache size", { path: ":memory:", cacheSizeKib: 1.5 }],
    ["a write lock without release()", { path: ":memory:", writeLock: { acquire: () => undefined } }],
    ["a null write lock", { path: ":memory:", writeLock: null }],
  ];

  it.each(badOptions)("rejects %s with InvalidArgumentError", (_label, options) => {
    expect(() => new SqliteCheckpointStore(options as SqliteOptions)).toThrow(InvalidArgumentError);
  });

  it("rejects a closed injected connection", () => {
    const db = new Database(":memory:");
    db.close();
    expect(() => new SqliteCheckpointStore({ database: db })).toThrow(/closed/);
  });

  it("keeps two tables in one file isolated, each with its own migrations table", async () => {
    const a = new SqliteCheckpointStore({ path: temp.file(), tableName: "my_checkpoints" });
    const b = new SqliteCheckpointStore({ path: temp.file(), tableName: "other_checkpoints" });
    const executionId = "shared-execution-id";
    await a.save(makeCheckpoint({ executionId, version: 1, state: { from: "a" } }));
    await b.save(makeCheckpoint({ executionId, version: 1, state: { from: "b" } })); // no conflict across tables
    expect((await a.latest(executionId))?.state).toEqual({ from: "a" });
    expect((await b.latest(executionId))?.state).toEqual({ from: "b" });
    await a.clear(executionId);
    expect(await a.latest(executionId)).toBeUndefined();
    expect((await b.latest(executionId))?.state).toEqual({ from: "b" });
    await Promise.all([a.close(), b.close()]);
    const db = new Database(temp.file(), { readonly: true });
    const objects = db
      .prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name")
      .pluck()
      .all();
    db.close();
    expect(objects).toEqual(
      expect.arrayContaining([
        "my_checkpoints",
        "my_checkpoints_migrations",
        "idx_my_checkpoints_execution_id",
        "other_checkpoints",
        "other_checkpoints_migrations",
        "idx_other_checkpoints_execution_id",
      ]),
    );
  });
});

describe("tuning", () => {
  it("applies WAL, synchronous=NORMAL, a short busy_timeout and the cache size to its own connection", async () => {
    const store = new SqliteCheckpointStore({ path: temp.file(), busyTimeoutMs: 1234, cacheSizeKib: 4096 });
    // busy_timeout is one short attempt (the thread sleeps in it); busyTimeoutMs is waited out asynchronously.
    expect(store.tuning).toEqual({ journalMode: "wal", synchronous: 1, busyTimeoutMs: 1234, lockWaitSliceMs: 5 });
    await store.close();
    // journal_mode=WAL is stored in the file itself: a fresh connection sees it.
    const db = new Database(temp.file());
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("applies the same pragmas to an injected connection", async () => {
    const db = new Database(temp.file());
    expect(db.pragma("synchronous", { simple: true })).toBe(2); // FULL, SQLite's default
    const store = new SqliteCheckpointStore({ database: db });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    expect(db.pragma("busy_timeout", { simple: true })).toBe(5);
    expect(db.pragma("cache_size", { simple: true })).toBe(-8192);
    await store.close();
    db.close();
  });
});
