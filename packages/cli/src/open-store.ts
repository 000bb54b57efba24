import { existsSync } from "node:fs";
import { InvalidArgumentError, type CheckpointStore } from "@lg/core";
import { StoreUrlError } from "./errors.js";
import { importStorePackage, type StoreModule } from "./store-packages.js";
import { parseStoreUrl, type StoreTarget } from "./store-url.js";

/**
 * Opens the store a URL names, loading its package on demand: each store package is an optional peer of
 * `@lg/cli`, and only the one the URL names has to be installed.
 *
 * @packageDocumentation
 */

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /**
   * The command writes (import, copy target): a missing SQLite file is created and PostgreSQL migrations run.
   * Without it a missing SQLite file is a {@link StoreUrlError} (a mistyped path must not create an empty
   * database) and PostgreSQL's table is used as it is.
   */
  write?: boolean;
  /**
   * For a SQLite store: the lock it holds around each batch write (its `writeLock` option), shared by the threads of
   * one import so that they hand the file's write lock to each other at once. Other stores ignore it.
   */
  sqliteWriteLock?: { acquire(): void; release(): void };
}

/** A store opened from a URL. */
export interface OpenedStore {
  /** The store, used through the public contract only. */
  store: CheckpointStore;
  /** What the URL named. */
  target: StoreTarget;
}

type StoreConstructor = new (options: Record<string, unknown>) => CheckpointStore;

function storeClass(module: StoreModule, exportName: string): StoreConstructor {
  const ctor = module[exportName];
  if (typeof ctor !== "function") throw new Error(`the installed store package has no export ${exportName}`);
  return ctor as StoreConstructor;
}

/** Stores of `memory:<name>` URLs, shared within this process. */
const namedMemoryStores = new Map<string, CheckpointStore>();

/** A view of a shared store whose `close()` does nothing: the store outlives each command that uses it. */
function unclosable(store: CheckpointStore): CheckpointStore {
  return new Proxy(store, {
    get(target, key) {
      if (key === "close") return async () => undefined;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Constructs the store, turning an option the package refuses into a {@link StoreUrlError}. */
function construct(target: StoreTarget, ctor: StoreConstructor, options: Record<string, unknown>): CheckpointStore {
  try {
    return new ctor(options);
  } catch (error) {
    if (error instanceof InvalidArgumentError || (error as { code?: unknown })?.code === "LG_INVALID_ARGUMENT") {
      throw new StoreUrlError(target.display, (error as Error).message);
    }
    throw error;
  }
}

function createStore(target: StoreTarget, module: StoreModule, opening: OpenStoreOptions): CheckpointStore {
  const write = opening.write === true;
  switch (target.kind) {
    case "sqlite": {
      if (!write && target.path !== ":memory:" && !existsSync(target.path)) {
        throw new StoreUrlError(target.display, `no SQLite database at ${target.path} (check the path)`);
      }
      const options: Record<string, unknown> = { path: target.path };
      if (target.tableName !== undefined) options.tableName = target.tableName;
      if (opening.sqliteWriteLock !== undefined) options.writeLock = opening.sqliteWriteLock;
      return construct(target, storeClass(module, "SqliteCheckpointStore"), options);
    }
    case "postgres": {
      const options: Record<string, unknown> = {
        connString: target.connString,
        applicationName: "lg-checkpoints",
        poolSize: 4,
        // Fail within seconds on an unreachable host instead of postgres.js's 30 s; setup() notices are noise here.
        clientOptions: { connect_timeout: 10, onnotice: () => undefined },
      };
      if (target.schema !== undefined) options.schema = target.schema;
      if (target.tableName !== undefined) options.tableName = target.tableName;
      return construct(target, storeClass(module, "PostgresCheckpointStore"), options);
    }
    case "redis": {
      // No background reconnect loop: a command-line run should fail with one clear line.
      const options: Record<string, unknown> = {
        url: target.url,
        maxReconnectAttempts: 0,
        clientName: "lg-checkpoints",
      };
      if (target.prefix !== undefined) options.prefix = target.prefix;
      return construct(target, storeClass(module, "RedisCheckpointStore"), options);
    }
    case "memory": {
      const ctor = storeClass(module, "MemoryCheckpointStore");
      if (target.name === undefined) return new ctor({});
      let shared = namedMemoryStores.get(target.name);
      if (shared === undefined) namedMemoryStores.set(target.name, (shared = new ctor({})));
      return unclosable(shared);
    }
  }
}

/** Runs the store's migrations when it has them (PostgreSQL's `setup()`); the other stores set up on open. */
async function setupIfNeeded(store: CheckpointStore): Promise<void> {
  const setup = (store as unknown as { setup?: () => Promise<unknown> }).setup;
  if (typeof setup === "function") await setup.call(store);
}

/**
 * Opens the store named by `url` (a URL or a parsed {@link StoreTarget}) and checks that it answers (`ping`).
 * Rejects with {@link StoreUrlError} for a bad URL, {@link StorePackageMissingError} when the store's package is
 * not installed, and the store's `StoreUnavailableError` when the server does not answer. The caller closes it.
 */
export async function openStore(url: string | StoreTarget, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const target = typeof url === "string" ? parseStoreUrl(url) : url;
  const module = await importStorePackage(target.kind);
  const store = createStore(target, module, options);
  try {
    await store.ping();
    if (options.write === true) await setupIfNeeded(store);
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return { store, target };
}
