import { useEffect, useState } from "preact/hooks";

/** What an asynchronous load has given so far. */
export type Loaded<T> = { state: "loading" } | { state: "done"; value: T } | { state: "failed"; error: Error };

/**
 * Runs `load` whenever `key` changes (and when `refresh` ticks), keeping the previous value on screen while a
 * reload runs, so live updates do not flicker.
 */
export function useLoad<T>(load: () => Promise<T>, key: string, refresh = 0): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: "loading" });
  useEffect(() => {
    let current = true;
    load().then(
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
