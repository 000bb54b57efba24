import type { CheckpointStore, ExecutionRegistry } from "@lg/core";
import type { SpecOptions } from "./options.js";

/** What the registry spec adds to {@link SpecOptions}. */
export interface RegistrySpecOptions {
  /**
   * Whether the store has an execution registry (`store.registry`). Leave it out when `createStore` returns the store
   * synchronously: the spec then looks at a probe store. With an async `createStore` and every capability declared
   * (so no probe store is made), the registry checks run and fail on a store without one: pass `registry: false` to
   * report them as skipped instead.
   */
  registry?: boolean;
}

/** Options of `registrySpec` (and of `runCheckpointStoreSpec`, which runs it). */
export type RegistrySpecInput<S extends CheckpointStore> = SpecOptions<S> & RegistrySpecOptions;

/** What the spec knows, when it registers its tests, about the registry of the stores it will get. */
export interface RegistryPresence {
  /** `true`/`false` when known (declared or probed); `undefined` when it will only be seen in each test. */
  registry: boolean | undefined;
  /** Whether the registry has `subscribe`, when a probe store told. */
  subscribe: boolean | undefined;
}

/** The registry of `store`, which a test of the registry spec needs. */
export type RegistryOf = (store: CheckpointStore) => ExecutionRegistry;
