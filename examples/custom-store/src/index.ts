/**
 * A third-party `CheckpointStore` for `@lg/core` that keeps one JSON file per execution, and the minimal store
 * skeleton of the core README's "Writing a store".
 *
 * @packageDocumentation
 */
export { JsonFileCheckpointStore, type ExecutionFile, type FileEntry } from "./json-file-store.js";
export { MinimalCheckpointStore, type MinimalRow } from "./minimal-store.js";
