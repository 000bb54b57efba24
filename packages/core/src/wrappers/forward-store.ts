import type { StoreCapabilities } from "../checkpoint.js";
import type { CheckpointStore } from "../store.js";

/** Methods a wrapper replaces; the rest go straight to the inner store. */
export type StoreOverrides = Partial<Omit<CheckpointStore, "capabilities">>;

/**
 * Builds a store that calls `overrides` where given and the inner store otherwise, keeping the inner store's
 * capabilities and leaving `prune` out when the inner store has none (so the core fallback still applies).
 * The inner `saveMany` is forwarded only when `save` is not overridden (or `saveMany` is): a wrapper that changes
 * what `save` writes (encryption, access checks) must not let batches bypass it. Without it, `batchSave` is dropped
 * from the capabilities and `saveCheckpoints` falls back to the wrapper's `save`; the inner `saveSerialized` likewise
 * (without it `serializedSave` is dropped and `saveSerializedCheckpoints` decodes each text for the wrapper's `save`).
 * The inner `listSerialized` is
 * forwarded, likewise, only when `list` is not overridden (a wrapper that decrypts on reading must see every read),
 * and so is `listHeaders` (the task results it carries may be sealed with the state).
 */
export function forwardStore(inner: CheckpointStore, overrides: StoreOverrides): CheckpointStore {
  const saveMany = overrides.save === undefined ? inner.saveMany : undefined;
  const saveSerialized = overrides.save === undefined ? inner.saveSerialized : undefined;
  const listSerialized = overrides.list === undefined ? inner.listSerialized : undefined;
  const listHeaders = overrides.list === undefined ? inner.listHeaders : undefined;
  const wrapped: CheckpointStore = {
    capabilities: forwardedCapabilities(inner, {
      batchSave: typeof saveMany === "function" || typeof overrides.saveMany === "function",
      serializedSave: typeof saveSerialized === "function" || typeof overrides.saveSerialized === "function",
      serializedList: typeof listSerialized === "function" || typeof overrides.listSerialized === "function",
      headerList: typeof listHeaders === "function" || typeof overrides.listHeaders === "function",
    }),
    save: (cp, options) => inner.save(cp, options),
    load: (id) => inner.load(id),
    list: (executionId, options) => inner.list(executionId, options),
    latest: (executionId) => inner.latest(executionId),
    delete: (id) => inner.delete(id),
    clear: (executionId) => inner.clear(executionId),
    listExecutions: (options) => inner.listExecutions(options),
    ping: () => inner.ping(),
    stats: () => inner.stats(),
    close: () => inner.close(),
  };
  // The registry is the inner store's own: its fencing is decided where the checkpoints are written.
  const registry = inner.registry;
  if (registry !== undefined) Object.assign(wrapped, { registry });
  const prune = inner.prune;
  if (typeof prune === "function") wrapped.prune = (executionId, options) => prune.call(inner, executionId, options);
  if (typeof saveMany === "function") wrapped.saveMany = (checkpoints) => saveMany.call(inner, checkpoints);
  if (typeof saveSerialized === "function") wrapped.saveSerialized = (items) => saveSerialized.call(inner, items);
  if (typeof listHeaders === "function")
    wrapped.listHeaders = (executionId, options) => listHeaders.call(inner, executionId, options);
  if (typeof listSerialized === "function") {
    wrapped.listSerialized = (executionId, options) => listSerialized.call(inner, executionId, options);
  }
  return Object.assign(wrapped, overrides);
}

/** The inner store's capabilities, with the optional methods the wrapper does not have turned off. */
function forwardedCapabilities(
  inner: CheckpointStore,
  has: Pick<StoreCapabilities, "batchSave" | "serializedSave" | "serializedList" | "headerList">,
): StoreCapabilities | undefined {
  const capabilities = inner.capabilities;
  if (capabilities === undefined) return undefined;
  const lost = (["batchSave", "serializedSave", "serializedList", "headerList"] as const).filter(
    (name) => capabilities[name] === true && has[name] !== true,
  );
  if (lost.length === 0) return capabilities;
  const kept: StoreCapabilities = { ...capabilities };
  for (const name of lost) kept[name] = false;
  return kept;
}
