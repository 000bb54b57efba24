/**
 * Opens the example's store from `--store <url>`, `LG_STORE_URL`, or by default a SQLite file in the example's data
 * folder: `sqlite:<path>`, `postgres://…` (or `postgresql://…`) and `redis://…`, as the CLI reads them.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CheckpointStore } from "@lg/core";

/**
 * Where the example keeps its SQLite file and its ledger of charges: `WORKERS_EXAMPLE_DIR`, or the example's folder.
 */
export const DATA_DIR = resolve(process.env.WORKERS_EXAMPLE_DIR ?? fileURLToPath(new URL("..", import.meta.url)));

/** The table (SQLite, PostgreSQL) or key prefix (Redis) of the example. */
const NAME = "example_workers";

/** The store URL given on the command line (`--store <url>` or `--store=<url>`), in `LG_STORE_URL`, or the default. */
export function storeUrl(argv: readonly string[] = process.argv.slice(2)): string {
  const at = argv.findIndex((arg) => arg === "--store" || arg.startsWith("--store="));
  const given = at === -1 ? undefined : argv[at]?.startsWith("--store=") ? argv[at]?.slice(8) : argv[at + 1];
  return given ?? process.env.LG_STORE_URL ?? `sqlite:${resolve(DATA_DIR, "workers.db")}`;
}

/** The URL without its password, for printing. */
export function printable(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, "//$1:***@");
}

/** Opens the store at `url`; it must keep an execution registry, which workers claim from. */
export async function openStore(url: string): Promise<CheckpointStore> {
  let store: CheckpointStore;
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    const { PostgresCheckpointStore } = await import("@lg/store-postgres");
    store = await PostgresCheckpointStore.connect({ connString: url, tableName: NAME });
  } else if (url.startsWith("redis://") || url.startsWith("rediss://")) {
    const { RedisCheckpointStore } = await import("@lg/store-redis");
    store = await RedisCheckpointStore.connect({ url, prefix: `${NAME}:` });
  } else if (url.startsWith("sqlite:")) {
    const { SqliteCheckpointStore } = await import("@lg/store-sqlite");
    store = new SqliteCheckpointStore({ path: resolve(url.slice("sqlite:".length)), tableName: NAME });
  } else {
    throw new Error(`unknown store URL "${printable(url)}": use sqlite:<path>, postgres://… or redis://…`);
  }
  if (store.registry === undefined) {
    await store.close();
    throw new Error(`the store at ${printable(url)} keeps no execution registry: workers cannot share it`);
  }
  return store;
}
