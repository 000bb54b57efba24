/**
 * `@lg/core`: a graph-workflow runtime whose state survives crashes, the `CheckpointStore` contract every
 * backend keeps, the lossless serializer and the typed errors.
 *
 * @packageDocumentation
 */
export * from "./checkpoint.js";
export type { CheckpointStore } from "./store.js";
export * from "./errors.js";
export * from "./serializer.js";
export * from "./type-registry.js";
export * from "./codec.js";
export * from "./ids.js";
export * from "./validate.js";
export * from "./store-helpers.js";
export * from "./graph/index.js";
export * from "./wrappers/index.js";
export * from "./order.js";
export * from "./json-equal.js";
