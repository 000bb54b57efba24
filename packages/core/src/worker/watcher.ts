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
  if (current.subscription === undefined && typeof registry.subscribe === "function") {
    current.subscription = registry
      .subscribe((change) => {
        for (const each of [...current.listeners]) each(change);
      })
      .catch(() => undefined); // polling covers a store whose notifications are down
  }
  return () => {
    current.listeners.delete(listener);
    if (current.listeners.size > 0 || current.subscription === undefined) return;
    const ending = current.subscription;
    delete current.subscription;
    void ending.then((stop) => stop?.()).catch(() => undefined);
  };
}
