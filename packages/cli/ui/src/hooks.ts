import { useEffect, useState } from "preact/hooks";
import { ApiError } from "./api";

/** Waits before each retry of a load that failed for a passing reason. */
const RETRY_DELAYS_MS = [500, 1_000, 2_000];

/** A failure worth another try: the network, or the server or its store (5xx: a store timeout under load). */
function transient(error: unknown): boolean {
  return error instanceof ApiError ? error.status >= 500 : error instanceof TypeError;
}

/** Runs `load`, trying again after a transient failure, at most {@link RETRY_DELAYS_MS}.length more times. */
async function withRetries<T>(load: () => Promise<T>, alive: () => boolean): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await load();
    } catch (error) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined || !transient(error) || !alive()) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** What an asynchronous load has given so far. */
export type Loaded<T> = { state: "loading" } | { state: "done"; value: T } | { state: "failed"; error: Error };

/**
 * Runs `load` whenever `key` changes (and when `refresh` ticks), keeping the previous value on screen while a
 * reload runs, so live updates do not flicker. A transient failure (network, 5xx) is tried again a few times before
 * the error is shown.
 */
export function useLoad<T>(load: () => Promise<T>, key: string, refresh = 0): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: "loading" });
  useEffect(() => {
    let current = true;
    withRetries(load, () => current).then(
      (value) => current && setLoaded({ state: "done", value }),
      (error: unknown) => current && setLoaded({ state: "failed", error: error as Error }),
    );
    return () => {
      current = false;
    };
  }, [key, refresh]);
  return loaded;
}

/**
 * A counter that ticks when the server says the store changed (server-sent events from `/api/events`), so pages
 * refetch what they show. The browser reconnects on its own after a network blip.
 */
export function useLiveTick(): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const source = new EventSource("/api/events");
    source.addEventListener("change", () => setTick((n) => n + 1));
    return () => source.close();
  }, []);
  return tick;
}
