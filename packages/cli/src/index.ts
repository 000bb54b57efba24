/**
 * `@lg/cli`: the `lg-checkpoints` command and the library under it. Every command is a plain function on a
 * `CheckpointStore` (list, history, diff, export, import, copy, prune), so other tools (a browser inspector, a
 * JSON API) can call the same code; `runCli` runs the command line in-process.
 *
 * @packageDocumentation
 */
export * from "./errors.js";
export * from "./store-url.js";
export * from "./open-store.js";
export * from "./walk.js";
export * from "./executions.js";
export * from "./registry.js";
export * from "./history.js";
export * from "./diff.js";
export * from "./duration.js";
export * from "./backup-format.js";
export * from "./save-pool.js";
export * from "./export.js";
export * from "./import.js";
export * from "./copy.js";
export * from "./prune.js";
export { startInspector, type Inspector, type InspectorOptions } from "./ui/server.js";
export { loadGraphModule, type InspectorGraph } from "./ui/graph-module.js";
export { runCli, CLI_VERSION } from "./cli/program.js";
export type { CliIo, OutputStream } from "./cli/io.js";
