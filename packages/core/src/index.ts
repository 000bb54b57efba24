/**
 * `@lg/core`: a graph-workflow runtime whose state survives crashes, the `CheckpointStore` contract every
 * backend keeps, the lossless serializer and the typed errors. What a store's author needs beyond that (checkpoint
 * encoding, validators, list and prune helpers, `forwardStore`) is in `@lg/core/store`.
 *
 * @packageDocumentation
 */
export * from "./checkpoint.js";
export type { CheckpointStore } from "./store.js";
export type { StateChanges, SaveOptions } from "./state-changes.js";
export * from "./registry.js";
export * from "./errors.js";
export * from "./worker-errors.js";
export { decodeValue, deserialize, encodeValue, serialize, type JsonValue } from "./serializer.js";
export * from "./type-registry.js";
export * from "./ids.js";
export * from "./graph/index.js";
export * from "./worker/index.js";
export * from "./wrappers/index.js";
export {
  LOAD_CHANNEL,
  PRUNE_CHANNEL,
  SAVE_CHANNEL,
  STEP_CHANNEL,
  type LoadTraceContext,
  type PruneTraceContext,
  type SaveTraceContext,
  type StepTraceContext,
  type TraceOutcome,
} from "./tracing.js";
export {
  instrumentOpenTelemetry,
  type OpenTelemetryInstrumentation,
  type OpenTelemetryOptions,
} from "./telemetry/otel.js";
