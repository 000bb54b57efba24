import Database from "better-sqlite3";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { makeTempDir, type TempDir } from "./helpers.js";

/** A database file a fixture writes before each test, with the store opened on it and a read-only look inside. */
export interface FixtureFile {
  /** Opens a store on the file; it is closed after the test. */
  open(): SqliteCheckpointStore;
  /** The store `open` returned last, if any. */
  store(): SqliteCheckpointStore | undefined;
  /** Runs `use` on a read-only connection to the file, closed after. */
  read<T>(use: (db: Database.Database) => T): T;
}

/**
 * Registers `beforeEach`/`afterEach` hooks that write a fresh file with `create` in a temp directory before each
 * test, and close the store and remove the directory after it.
 */
export function useFixtureFile(create: (file: string) => void): FixtureFile {
  let temp: TempDir;
  let store: SqliteCheckpointStore | undefined;
  beforeEach(() => {
    temp = makeTempDir();
    create(temp.file());
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    temp.remove();
  });
  return {
    open: () => (store = new SqliteCheckpointStore({ path: temp.file() })),
    store: () => store,
    read: (use) => {
      const db = new Database(temp.file(), { readonly: true });
      try {
        return use(db);
      } finally {
        db.close();
      }
    },
  };
}
