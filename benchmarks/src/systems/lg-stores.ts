import type { CheckpointStore } from "@lg/core";
import { postgresSchema, redisPrefix, sqlitePath, type BackendEnv, type BackendName } from "../backends.js";

/** An open @lg store and how to drop everything it created. */
export interface OpenedStore {
  /** The store. */
  store: CheckpointStore;
  /** Drops the store's schema or keys and closes it. */
  dispose(): Promise<void>;
}

/** Opens the @lg store of `backend` on this run's private file, schema or key prefix. */
export async function openLgStore(backend: BackendName, env: BackendEnv): Promise<OpenedStore> {
  switch (backend) {
    case "memory": {
      const { MemoryCheckpointStore } = await import("@lg/store-memory");
      const store = new MemoryCheckpointStore();
      return { store, dispose: () => store.close() };
    }
    case "sqlite": {
      const { SqliteCheckpointStore } = await import("@lg/store-sqlite");
      const store = new SqliteCheckpointStore({ path: sqlitePath(env, "lg"), tableName: "checkpoints" });
      return { store, dispose: () => store.close() };
    }
    case "postgres": {
      const { PostgresCheckpointStore } = await import("@lg/store-postgres");
      const schema = postgresSchema(env, "lg");
      const store = await PostgresCheckpointStore.connect({ connString: env.postgresUrl, schema, tableName: "checkpoints" });
      return { store, dispose: () => store.close() };
    }
    case "redis": {
      const { RedisCheckpointStore } = await import("@lg/store-redis");
      const store = await RedisCheckpointStore.connect({ url: env.redisUrl, prefix: redisPrefix(env, "lg") });
      return { store, dispose: () => store.close() };
    }
  }
}
