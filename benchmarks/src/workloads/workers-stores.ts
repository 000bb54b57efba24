/**
 * Where the workers workload's store lives, in a form a child process can be handed (JSON), and how each process
 * opens it: every process opens its own store on the same file, schema or key prefix.
 *
 * @packageDocumentation
 */
import type { CheckpointStore, ExecutionRegistry } from "@lg/core";
import { postgresSchema, redisPrefix, sqlitePath, type BackendEnv } from "../backends.js";

/** The backends whose stores keep an execution registry shared by processes. */
export type WorkerBackend = "sqlite" | "postgres" | "redis";

/** The store of the workers workload on one backend. */
export type StoreLocation =
  | { backend: "sqlite"; path: string }
  | { backend: "postgres"; url: string; schema: string }
  | { backend: "redis"; url: string; prefix: string };

/** Counts the statements a process's PostgreSQL store sends (every query of its client, BEGIN and COMMIT included). */
export interface StatementCounter {
  /** Statements sent since the last reset. */
  count: number;
}

const TABLE = "checkpoints";

/** The workers workload's own file, schema or key prefix of this run on `backend`. */
export function workersLocation(backend: WorkerBackend, env: BackendEnv): StoreLocation {
  switch (backend) {
    case "sqlite":
      return { backend, path: sqlitePath(env, "workers") };
    case "postgres":
      return { backend, url: env.postgresUrl, schema: postgresSchema(env, "workers") };
    case "redis":
      return { backend, url: env.redisUrl, prefix: redisPrefix(env, "workers") };
  }
}

/**
 * Opens the store at `where`. On PostgreSQL every statement its client sends is counted in `counter` (postgres.js's
 * `debug` hook is called once per query sent, so the count costs an increment).
 */
export async function openWorkersStore(where: StoreLocation, counter?: StatementCounter): Promise<CheckpointStore> {
  switch (where.backend) {
    case "sqlite": {
      const { SqliteCheckpointStore } = await import("@lg/store-sqlite");
      return new SqliteCheckpointStore({ path: where.path, tableName: TABLE });
    }
    case "postgres": {
      const { PostgresCheckpointStore } = await import("@lg/store-postgres");
      return PostgresCheckpointStore.connect({
        connString: where.url,
        schema: where.schema,
        tableName: TABLE,
        applicationName: "lg-bench-workers",
        ...(counter === undefined ? {} : { clientOptions: { debug: () => void counter.count++ } }),
      });
    }
    case "redis": {
      const { RedisCheckpointStore } = await import("@lg/store-redis");
      return RedisCheckpointStore.connect({ url: where.url, prefix: where.prefix });
    }
  }
}

/** A store open with its execution registry. */
export interface RegistryStore {
  /** The store. */
  store: CheckpointStore;
  /** Its registry. */
  registry: ExecutionRegistry;
}

/** Opens the store at `where` with its registry, or closes it and says why it cannot serve workers. */
export async function openRegistryStore(where: StoreLocation): Promise<RegistryStore | string> {
  const store = await openWorkersStore(where);
  const registry = store.registry;
  if (registry !== undefined) return { store, registry };
  await store.close();
  return "its store has no execution registry in this build";
}
