import { CheckpointCorruptError, StoreUnavailableError } from "@lg/core";
import { deserializeCheckpoint } from "@lg/core/store";
import Database from "better-sqlite3";
import { writeFileSync } from "node:fs";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { MIGRATIONS } from "../src/migrations.js";
import { makeCheckpoint, makeTempDir, type TempDir } from "./helpers.js";

let temp: TempDir;

beforeEach(() => {
  temp = makeTempDir();
});

afterEach(() => {
  temp.remove();
});

describe("corrupt rows", () => {
  let store: SqliteCheckpointStore;
  let raw: Database.Database;

  beforeEach(() => {
    store = new SqliteCheckpointStore({ path: temp.file() });
    raw = new Database(temp.file());
  });

  afterEach(async () => {
    raw.close();
    await store.close();
  });

  const corruptions: Array<[label: string, column: string, value: unknown, detail: RegExp]> = [
    ["state that is not JSON", "state", "{not json", /column state is not valid JSON/],
    ["metadata that is not JSON", "metadata", "[", /column metadata is not valid JSON/],
    ["metadata stored as a BLOB that is not JSON", "metadata", Buffer.from("["), /column metadata is not valid JSON/],
    ["next stored as a BLOB that is not JSON", "next", Buffer.from("nope"), /column next is not valid JSON/],
    ["next that is not JSON", "next", "nope", /column next is not valid JSON/],
    ["an unknown value tag", "state", '{"$lg":"bogus"}', /unknown value tag/],
    ["a timestamp that is not a number", "timestamp", "yesterday", /timestamp is not a number/],
    ["metadata that is not an object", "metadata", "42", /metadata is not an object/],
    ["metadata that is an array", "metadata", '[{"a":1}]', /metadata is not an object/],
    ["metadata that is a string starting with a brace", "metadata", '"{a}"', /metadata is not an object/],
    ["tasks that is not JSON", "tasks", "{nodes:", /column tasks is not valid JSON/],
    ["tasks that is not an object", "tasks", "[1]", /tasks is not an object/],
    ["tasks without its interrupts array", "tasks", '{"nodes":{}}', /tasks lacks its nodes object or interrupts array/],
  ];

  it.each(corruptions)("raises CheckpointCorruptError naming the id for %s", async (_label, column, value, detail) => {
    const cp = makeCheckpoint();
    await store.save(cp);
    raw.prepare(`UPDATE checkpoints SET ${column} = ? WHERE id = ?`).run(value, cp.id);
    const reads: (() => Promise<unknown>)[] = [
      () => store.load(cp.id),
      () => store.latest(cp.executionId),
      () => store.list(cp.executionId),
    ];
    // listSerialized hands out a state without walking it: a tag inside is only met when the text is decoded.
    if (!/value tag/.test(detail.source)) reads.push(() => store.listSerialized(cp.executionId));
    for (const read of reads) {
      const error = await read().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointCorruptError);
      expect(error).toMatchObject({ code: "LG_CHECKPOINT_CORRUPT", checkpointId: cp.id });
      expect((error as CheckpointCorruptError).message).toMatch(detail);
    }
  });

  it("reads metadata written with spaces around it as any other, in listSerialized too", async () => {
    const cp = makeCheckpoint();
    await store.save(cp);
    raw.prepare("UPDATE checkpoints SET metadata = ? WHERE id = ?").run(' \n{"source": "loop"} ', cp.id);
    const [listed] = await store.list(cp.executionId);
    expect(listed?.metadata).toEqual({ source: "loop" });
    const [serialized] = await store.listSerialized(cp.executionId);
    expect(deserializeCheckpoint(serialized?.text as string)).toEqual(listed);
  });

  it("reads a NULL metadata (allowed by the seed's layout) as an empty object", async () => {
    const cp = makeCheckpoint();
    await store.save(cp);
    raw.prepare("UPDATE checkpoints SET metadata = NULL WHERE id = ?").run(cp.id);
    expect((await store.load(cp.id))?.metadata).toEqual({});
  });
});

describe("lock and file failures", () => {
  it("waits for another connection's write lock, then rejects with StoreUnavailableError after busyTimeoutMs", async () => {
    const store = new SqliteCheckpointStore({ path: temp.file(), busyTimeoutMs: 100 });
    const saved = makeCheckpoint();
    await store.save(saved);
    const other = new Database(temp.file());
    other.exec("BEGIN IMMEDIATE");
    try {
      const started = Date.now();
      const error = await store.save(makeCheckpoint()).catch((e: unknown) => e);
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toMatch(/locked for longer than busyTimeoutMs \(100 ms; SQLITE_BUSY\)/);
      // WAL: readers are not blocked by the writer.
      expect((await store.latest(saved.executionId))?.id).toBe(saved.id);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    await expect(store.save(makeCheckpoint())).resolves.toBeUndefined();
    await store.close();
  });

  it("reports a missing directory as StoreUnavailableError with advice", () => {
    expect(() => new SqliteCheckpointStore({ path: temp.file("missing/dir/checkpoints.db") })).toThrow(
      expect.objectContaining({ code: "LG_STORE_UNAVAILABLE", message: expect.stringMatching(/directory exists/) }),
    );
  });

  it("reports a backup into a missing directory as StoreUnavailableError", async () => {
    const store = new SqliteCheckpointStore({ path: ":memory:" });
    await expect(store.backup(temp.file("missing/backup.db"))).rejects.toMatchObject({
      code: "LG_STORE_UNAVAILABLE",
      message: expect.stringMatching(/directory does not exist: .*missing\/backup\.db/),
    });
    await store.close();
  });

  it("reports a file that is not a database as StoreUnavailableError", () => {
    writeFileSync(temp.file("text.db"), "this is not a database, just some text that is long enough ".repeat(20));
    expect(() => new SqliteCheckpointStore({ path: temp.file("text.db") })).toThrow(StoreUnavailableError);
  });

  it.each([
    ["a dropped column", "ALTER TABLE checkpoints DROP COLUMN tasks", /no such column: (r\.)?tasks/],
    ["a dropped table", "DROP TABLE checkpoints", /no such table: checkpoints/],
  ])(
    "reports %s underneath an open store as StoreUnavailableError, not a raw SqliteError",
    async (_label, statement, detail) => {
      const store = new SqliteCheckpointStore({ path: temp.file() });
      const cp = makeCheckpoint();
      await store.save(cp);
      const db = new Database(temp.file());
      db.exec(statement);
      db.close();
      for (const read of [
        () => store.load(cp.id),
        () => store.latest(cp.executionId),
        () => store.list(cp.executionId),
      ]) {
        const error = await read().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as StoreUnavailableError).message).toMatch(detail);
        expect((error as StoreUnavailableError).message).toMatch(/restore the file from a backup/);
      }
      await store.close();
    },
  );

  it("refuses a same-named table it did not create (the seed's layout) instead of adopting it", () => {
    const db = new Database(temp.file());
    db.exec(`CREATE TABLE checkpoints (id TEXT PRIMARY KEY, execution_id TEXT NOT NULL, node_name TEXT NOT NULL,
      state TEXT NOT NULL, metadata TEXT, timestamp DATETIME NOT NULL, version INTEGER NOT NULL);
      CREATE INDEX idx_checkpoints_execution_id ON checkpoints (execution_id);`);
    db.close();
    expect(() => new SqliteCheckpointStore({ path: temp.file() })).toThrow(
      /already exists .* not created by @lg\/store-sqlite/,
    );
    const other = new SqliteCheckpointStore({ path: temp.file(), tableName: "lg_checkpoints" });
    expect(other.schemaVersion).toBe(MIGRATIONS.length);
    return other.close();
  });
});
