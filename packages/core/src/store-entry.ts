/**
 * `@lg/core/store`: what a checkpoint store's author needs beyond the contract itself — encoding and decoding
 * checkpoints exactly as every `@lg` store does, the validators, list and prune helpers, the "same checkpoint"
 * comparison of an idempotent re-save, code-point ordering of execution ids, and `forwardStore` for wrappers.
 * Applications import from `@lg/core`; this entry is for stores, wrappers and tools that read stores directly.
 *
 * @packageDocumentation
 */
export * from "./checkpoint.js";
export type { CheckpointStore } from "./store.js";
export * from "./serializer.js";
export * from "./codec.js";
export * from "./serialized-text.js";
export * from "./validate.js";
export * from "./store-helpers.js";
export * from "./order.js";
export * from "./json-equal.js";
export { forwardStore, type StoreOverrides } from "./wrappers/forward-store.js";
export * from "./incremental.js";
export type { StateChanges, SaveOptions } from "./state-changes.js";
export * from "./registry.js";
export * from "./registry-validate.js";
