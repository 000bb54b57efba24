import { runCheckpointStoreSpec, type RawStoreAccess, type StoredCheckpointRef } from "@lg/store-testkit";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { makeTempDir, type TempDir } from "./helpers.js";

/**
 * The shared CheckpointStore conformance spec, on a fresh SQLite file per test. The `raw` hook reads and damages
 * rows with its own better-sqlite3 connection, so the spec checks the rows themselves, not the store's reading.
 */
let temp: TempDir | undefined;
let files = 0;
const fileOf = new WeakMap<SqliteCheckpointStore, string>();

function tempDir(): TempDir {
  temp ??= makeTempDir();
  return temp;
}

function openAt(file: string): SqliteCheckpointStore {
  const store = new SqliteCheckpointStore({ path: file });
  fileOf.set(store, file);
  return store;
}

function withConnection<T>(store: SqliteCheckpointStore, use: (db: Database.Database) => T): T {
  const db = new Database(fileOf.get(store) as string);
  try {
    return use(db);
  } finally {
    db.close();
  }
}

function rawAccess(store: SqliteCheckpointStore): RawStoreAccess {
  return {
    read: async (ref: StoredCheckpointRef) =>
      withConnection(store, (db) => db.prepare("SELECT * FROM checkpoints WHERE id = ?").get(ref.id)),
    corrupt: async (ref: StoredCheckpointRef) => {
      withConnection(store, (db) => db.prepare("UPDATE checkpoints SET state = '{not json' WHERE id = ?").run(ref.id));
    },
  };
}

afterAll(() => temp?.remove());

runCheckpointStoreSpec<SqliteCheckpointStore>({
  name: "sqlite (file)",
  createStore: () => openAt(tempDir().file(`spec-${++files}.db`)),
  openSameLocation: (store) => openAt(fileOf.get(store) as string),
  raw: rawAccess,
  // A file in a directory that does not exist: the constructor rejects with StoreUnavailableError at once.
  unavailable: {
    createStore: () => new SqliteCheckpointStore({ path: join(tempDir().dir, "missing", "x.db") }),
    withinMs: 2000,
  },
  runner: { describe, it, beforeAll, afterAll },
});

/** In-memory databases are only visible to their own connection, so this run injects one and reads through it. */
const connectionOf = new WeakMap<SqliteCheckpointStore, Database.Database>();

function rawThroughConnection(store: SqliteCheckpointStore): RawStoreAccess {
  const db = connectionOf.get(store) as Database.Database;
  return {
    read: async (ref) => db.prepare("SELECT * FROM checkpoints WHERE id = ?").get(ref.id),
    corrupt: async (ref) => {
      db.prepare("UPDATE checkpoints SET state = '{not json' WHERE id = ?").run(ref.id);
    },
  };
}

runCheckpointStoreSpec<SqliteCheckpointStore>({
  name: "sqlite (:memory:, injected connection)",
  createStore: () => {
    const db = new Database(":memory:");
    const store = new SqliteCheckpointStore({ database: db });
    connectionOf.set(store, db);
    return store;
  },
  destroyStore: async (store) => {
    await store.close();
    connectionOf.get(store)?.close(); // an injected connection stays open after close(); its owner closes it
  },
  raw: rawThroughConnection,
  runner: { describe, it, beforeAll, afterAll },
});
