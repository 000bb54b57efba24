import type { CheckpointStore } from "../store.js";

/** Methods a wrapper replaces; the rest go straight to the inner store. */
export type StoreOverrides = Partial<Omit<CheckpointStore, "capabilities">>;

/**
 * Builds a store that calls `overrides` where given and the inner store otherwise, keeping the inner store's
 * capabilities and leaving `prune` out when the inner store has none (so the core fallback still applies).
 */
export function forwardStore(inner: CheckpointStore, overrides: StoreOverrides): CheckpointStore {
  const wrapped: CheckpointStore = {
    capabilities: inner.capabilities,
    save: (cp) => inner.save(cp),
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
  const prune = inner.prune;
  if (typeof prune === "function") wrapped.prune = (executionId, options) => prune.call(inner, executionId, options);
  return Object.assign(wrapped, overrides);
}
