import { setOwn } from "../own.js";

/**
 * How one state key combines its current value with a node's update. The default (no reducer) overwrites.
 *
 * @typeParam V - the key's value type.
 */
export type Reducer<V> = (current: V, update: V) => V;

/** Declares how one state key behaves. */
export interface ChannelSpec<V> {
  /** Combines the current value with an update; omitted means the update overwrites. */
  reducer?: Reducer<V>;
  /** Value the key starts with in a new execution. */
  default?: () => V;
  /**
   * Declares that `reducer` appends: its result is the current array followed by new items, the current items kept
   * as they are (the same objects). A store that keeps checkpoints incrementally then writes only the new items of
   * each step. `appendReducer` is known to append without this flag. A result that does not begin with the current
   * items is written whole, so a wrong declaration costs space, never data.
   */
  appends?: boolean;
}

/** Per-key channel specs of a state shape `S`. Keys without a spec overwrite. */
export type Channels<S> = { [K in keyof S]?: ChannelSpec<S[K]> };

/**
 * A reducer that appends the update's items to the current array (`undefined` counts as empty), so parallel
 * nodes can all add to one list.
 */
export function appendReducer<T>(current: readonly T[] | undefined, update: readonly T[] | undefined): T[] {
  return [...(current ?? []), ...(update ?? [])];
}

/** The state a new execution starts from: every channel's default. */
export function initialState<S extends object>(channels: Channels<S>): S {
  const state: Partial<S> = {};
  for (const key of Object.keys(channels) as (keyof S)[]) {
    const make = channels[key]?.default;
    if (make !== undefined) state[key] = make();
  }
  return state as S;
}

/**
 * Returns a new state with `update` merged into `state` through each key's reducer. Every key of the update is an
 * own data property of the result — also `"__proto__"`, `"constructor"` and `"prototype"` (from parsed JSON, say),
 * which are stored as plain keys and never change the state's prototype.
 */
export function applyUpdate<S extends object>(channels: Channels<S>, state: S, update: Partial<S>): S {
  const next = { ...state };
  for (const key of Object.keys(update) as (keyof S)[]) {
    const spec = Object.prototype.hasOwnProperty.call(channels, key) ? channels[key] : undefined;
    const value = update[key] as S[keyof S];
    let merged: S[keyof S];
    if (spec?.reducer === undefined) {
      merged = value;
    } else {
      const current = next[key] === undefined && spec.default !== undefined ? spec.default() : next[key];
      merged = spec.reducer(current, value);
    }
    setOwn(next as Record<string, unknown>, key as string, merged);
  }
  return next;
}
