/**
 * `@lg/store-memory`: an in-memory `CheckpointStore` for `@lg/core`, for development and tests.
 *
 * @packageDocumentation
 */
export { MemoryCheckpointStore } from "./memory-store.js";
export { MemoryExecutionRegistry } from "./memory-registry.js";
