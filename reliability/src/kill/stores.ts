import type { CheckpointStore } from "@lg/core";

/** The durable stores the kill suite runs on. */
export type StoreKind = "sqlite" | "postgres" | "redis";

/**
 * Where a process finds the store: plain data, so the driver can hand it to a child on its command line and open
 * the same store itself to check what the children left.
 */
export type StoreSpec =
  | { kind: "sqlite"; path: string }
  | { kind: "postgres"; url: string; schema: string }
  | { kind: "redis"; url: string; prefix: string };

/**
 * Opens the store of `spec` and waits until it answers (SQLite opened and migrated, PostgreSQL migrated in its
 * schema, Redis pinged). Every child opens it anew, as a restarted worker would.
 */
export async function openStore(spec: StoreSpec): Promise<CheckpointStore> {
  // Each child loads only its own backend: a child's start-up is most of its cost, and there are many children.
  switch (spec.kind) {
    case "sqlite": {
      const { SqliteCheckpointStore } = await import("@lg/store-sqlite");
      return SqliteCheckpointStore.open({ path: spec.path });
    }
    case "postgres": {
      const { PostgresCheckpointStore } = await import("@lg/store-postgres");
      // A small pool: a dozen children connect at once to the shared server.
      return PostgresCheckpointStore.connect({ connString: spec.url, schema: spec.schema, poolSize: 2 });
    }
    case "redis": {
      const { RedisCheckpointStore } = await import("@lg/store-redis");
      return RedisCheckpointStore.connect({ url: spec.url, prefix: spec.prefix });
    }
  }
}
