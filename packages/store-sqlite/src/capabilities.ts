import type { StoreCapabilities } from "@lg/core";

/**
 * What a SQLite store can do: native prune, batch save (of checkpoints or of their encoded text), incremental rows and header lists; persistent and shareable
 * between processes unless the database is in memory. The execution registry is no capability: the store has one.
 */
export function sqliteCapabilities(persistent: boolean): StoreCapabilities {
  return Object.freeze({
    nativePrune: true,
    persistent,
    multiProcess: persistent,
    ttl: false,
    taskResults: true,
    batchSave: true,
    serializedSave: true,
    serializedList: true,
    incremental: true,
    headerList: true,
  });
}
