/**
 * A third-party `CheckpointStore` for `@lg/core` that keeps one JSON file per execution.
 *
 * @packageDocumentation
 */
export { JsonFileCheckpointStore, type ExecutionFile, type FileEntry } from "./json-file-store.js";
