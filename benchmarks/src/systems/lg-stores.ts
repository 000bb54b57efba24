import type { CheckpointStore } from "@lg/core";
import {
  postgresSchema,
  redisPrefix,
  sqlitePath,
  type BackendEnv,
  type BackendName,
  type SystemKey,
} from "../backends.js";

/** An open @lg store and how to drop everything it created. */
export interface OpenedStore {
  /** The store. */
  store: CheckpointStore;
  /** Drops the store's schema or keys and closes it. */
  dispose(): Promise<void>;
}

/**
 * Opens the @lg store of `backend` on this run's private file, schema or key prefix (those of `system`: `lg` for
 * the main workloads, `growing_lg` for the growing-state workload's own store).
 */
export async function openLgStore(
  backend: BackendName,
  env: BackendEnv,
  system: SystemKey = "lg",
): Promise<OpenedStore> {
  switch (backend) {
    case "memory": {
      const { MemoryCheckpointStore } = await import("@lg/store-memory");
      const store = new MemoryCheckpointStore();
      return { store, dispose: () => store.close() };
    }
    case "sqlite": {
      const { SqliteCheckpointStore } = await import("@lg/store-sqlite");
      const store = new SqliteCheckpointStore({ path: sqlitePath(env, system), tableName: "checkpoints" });
      return { store, dispose: () => store.close() };
    }
    case "postgres": {
      const { PostgresCheckpointStore } = await import("@lg/store-postgres");
      const schema = postgresSchema(env, system);
      const store = await PostgresCheckpointStore.connect({
        connString: env.postgresUrl,
        schema,
        tableName: "checkpoints",
      });
      return { store, dispose: () => store.close() };
    }
    case "redis": {
      const { RedisCheckpointStore } = await import("@lg/store-redis");
      const store = await RedisCheckpointStore.connect({ url: env.redisUrl, prefix: redisPrefix(env, system) });
      return { store, dispose: () => store.close() };
    }
  }
}
