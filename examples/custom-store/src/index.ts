/**
 * A third-party `CheckpointStore` for `@lg/core` that keeps one JSON file per execution (incremental rows, folded
 * with the helpers of `@lg/core/store`), and the minimal store skeleton of the core README's "Writing a store".
 *
 * @packageDocumentation
 */
export { JsonFileCheckpointStore } from "./json-file-store.js";
export { ExecutionFiles } from "./execution-files.js";
export { ExecutionRows, type ExecutionFile, type FileEntry, type RowEntry, type TextEntry } from "./execution-rows.js";
export { MinimalCheckpointStore, type MinimalRow } from "./minimal-store.js";
