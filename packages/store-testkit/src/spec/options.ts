import type { CheckpointStore, StoreCapabilities } from "@lg/core";
import type { TestRunner } from "../runner.js";

/** Which stored checkpoint a {@link RawStoreAccess} call is about. */
export interface StoredCheckpointRef {
  /** Checkpoint id. */
  id: string;
  /** Its execution id (key-value stores often key by it). */
  executionId: string;
  /** Its version. */
  version: number;
}

/**
 * Direct access to what a store wrote, bypassing the store's own reading code, so the spec can check the stored
 * data itself. SQL stores implement it with one query on their table, Redis with `GET`/`HGET`, a file store by
 * reading the file.
 */
export interface RawStoreAccess {
  /**
   * Returns the stored record of the checkpoint in any backend-specific shape (row, string, hash), or `undefined`
   * when the backend holds nothing for it. Used to prove that `save` wrote and `delete`/`clear` really removed.
   */
  read(ref: StoredCheckpointRef): Promise<unknown>;
  /**
   * Damages the stored record so that it can no longer be decoded, e.g. overwrites the state column with
   * `{not json` (or, for a JSONB column that only accepts valid JSON, with `{"$lg":"no-such-tag"}`). After it,
   * reading the checkpoint must reject with `CheckpointCorruptError`.
   */
  corrupt(ref: StoredCheckpointRef): Promise<void>;
}

/** How the spec gets a store whose checkpoints expire (for stores that declare the `ttl` capability). */
export interface TtlSpecOptions<S extends CheckpointStore = CheckpointStore> {
  /** Creates a store configured with a short time to live. */
  createStore: () => S | Promise<S>;
  /** Within how many milliseconds after `save` a checkpoint must be gone; it must still be there right after. */
  expiresWithinMs: number;
}

/**
 * How the spec gets a store pointed at nothing (a closed port, an unresolvable host): every call must then reject
 * with `StoreUnavailableError`, within a bound, and no error may carry the connection's password.
 */
export interface UnavailableSpecOptions<S extends CheckpointStore = CheckpointStore> {
  /**
   * Creates a store configured for a backend that does not answer, with {@link UnavailableSpecOptions.secret} as
   * its password (e.g. `postgres://app:<secret>@127.0.0.1:1/db`). It may itself reject with
   * `StoreUnavailableError` (a store that connects eagerly).
   */
  createStore: () => S | Promise<S>;
  /** The password given to that store; no message, stack, property or cause of its errors may contain it. */
  secret?: string;
  /** Within how many milliseconds each call must reject (default 10000). */
  withinMs?: number;
}

/** Options of `runCheckpointStoreSpec` and of every per-concern spec. */
export interface SpecOptions<S extends CheckpointStore = CheckpointStore> {
  /** Shown in the outermost describe block, e.g. `"postgres"`. */
  name: string;
  /**
   * Creates the store for one test; called once per test. Give each call its own namespace (fresh schema, table,
   * key prefix, file or instance): `stats` and `listExecutions` checks compare counts before and after.
   */
  createStore: () => S | Promise<S>;
  /** Disposes of a store after its test (default: `store.close()`). Called also after tests that closed it. */
  destroyStore?: (store: S) => void | Promise<void>;
  /**
   * Capabilities, merged over `store.capabilities`. `store.capabilities` can be read when the spec is registered
   * only if `createStore` returns synchronously; with an async `createStore` declare them here (a check fails if
   * the store declares one the spec was not told about). Setting one to `false` turns its checks off explicitly.
   * When all four are declared, no store is created at registration (otherwise one is, to read its capabilities,
   * and disposed of at once).
   */
  capabilities?: StoreCapabilities;
  /** Direct access to stored data; the corruption and stored-record checks run only when it is given. */
  raw?: (store: S) => RawStoreAccess;
  /**
   * Opens a second store instance over the same data as `store` (same file, schema, prefix). Required by the
   * `persistent` and `multiProcess` checks; it may be called after `store` was closed.
   */
  openSameLocation?: (store: S) => S | Promise<S>;
  /** A store pointed at nothing; the unreachable-backend check runs only when it is given. */
  unavailable?: UnavailableSpecOptions<S>;
  /** Required when the store declares `ttl`. */
  ttl?: TtlSpecOptions<S>;
  /** The host runner's `describe`, `it`, `beforeAll`, `afterAll`. */
  runner: TestRunner;
  /** Per-test timeout in milliseconds (default 30000). */
  timeoutMs?: number;
  /** How many writers race in the concurrency checks (default 8). */
  concurrentSavers?: number;
}
