import { join } from "node:path";
import type { CheckpointStore } from "@lg/core";
import { PostgresCheckpointStore } from "@lg/store-postgres";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { postgresForTests } from "@lg/store-testkit";
import { tempDir } from "../helpers.js";

/** A real store for the inspector's tests, the URL the binary opens it with, and how to remove it. */
export interface Subject {
  /** `sqlite` or `postgres`, for file names. */
  name: string;
  /** The store, opened in the test's process to seed and check data. */
  store: CheckpointStore;
  /** Its store URL. */
  url: string;
  /** Closes the store and removes its file or schema. */
  cleanup(): Promise<void>;
}

/** A SQLite file in a temporary directory. */
export async function sqliteSubject(): Promise<Subject> {
  const files = tempDir();
  const path = join(files.dir, "inspected.db");
  const store = new SqliteCheckpointStore({ path });
  return {
    name: "sqlite",
    store,
    url: `sqlite:${path}`,
    cleanup: async () => {
      await store.close();
      files.remove();
    },
  };
}

/** A schema of its own on the local PostgreSQL. */
export async function postgresSubject(): Promise<Subject> {
  const db = await postgresForTests();
  const store = new PostgresCheckpointStore({ connString: db.url, schema: db.schema, poolSize: 2 });
  await store.setup();
  return {
    name: "postgres",
    store,
    url: `${db.url}?schema=${db.schema}`,
    cleanup: async () => {
      await store.close();
      await db.cleanup();
    },
  };
}

/** Both backends, for `describe.each`. */
export const SUBJECTS: [string, () => Promise<Subject>][] = [
  ["SQLite", sqliteSubject],
  ["PostgreSQL", postgresSubject],
];
