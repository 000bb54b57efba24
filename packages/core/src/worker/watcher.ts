import type { ExecutionRegistry, StatusChange } from "../registry.js";

type Listener = (change: StatusChange) => void;

interface Watch {
  listeners: Set<Listener>;
  /** The registry's subscription, started with the first listener (absent: the registry has none, or it failed). */
  subscription?: Promise<(() => Promise<void>) | undefined>;
}

// One subscription per registry in the process, shared by its workers and waiters (a LISTEN connection or a pub/sub
// client each would not scale with the number of waiters).
const watches = new WeakMap<ExecutionRegistry, Watch>();

/** How long a failed subscription waits before it is tried again (polling covers the time between). */
const RESUBSCRIBE_MS = 5_000;

/** Starts the registry's subscription for `watch`; a failure is tried again later while anyone still listens. */
function subscribe(registry: ExecutionRegistry, watch: Watch): void {
  if (typeof registry.subscribe !== "function") return;
  const started = registry
    .subscribe((change) => {
      for (const each of [...watch.listeners]) each(change);
    })
    .catch(() => {
      if (watch.subscription !== started) return undefined;
      delete watch.subscription;
      const retry = setTimeout(() => {
        if (watch.listeners.size > 0 && watch.subscription === undefined) subscribe(registry, watch);
      }, RESUBSCRIBE_MS);
      retry.unref();
      return undefined;
    });
  watch.subscription = started;
}

/**
 * Calls `listener` on every status change the registry announces (when it can: without `subscribe`, or while the
 * subscription is failing, callers rely on their poll). Returns the function that stops the calls; the last one to
 * stop ends the subscription.
 */
export function watchRegistry(registry: ExecutionRegistry, listener: Listener): () => void {
  let watch = watches.get(registry);
  if (watch === undefined) {
    watch = { listeners: new Set() };
    watches.set(registry, watch);
  }
  const current = watch;
  current.listeners.add(listener);
  if (current.subscription === undefined) subscribe(registry, current);
  return () => {
    current.listeners.delete(listener);
    if (current.listeners.size > 0 || current.subscription === undefined) return;
    const ending = current.subscription;
    delete current.subscription;
    void ending.then((stop) => stop?.()).catch(() => undefined);
  };
}
