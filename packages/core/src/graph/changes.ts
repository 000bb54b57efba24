import type { StateChanges } from "../state-changes.js";
import { appendReducer, type Channels } from "./channels.js";

/**
 * What `next` changed relative to `parent`, the state it was computed from, decided from the channel declarations
 * and object identity — never by comparing values, so its cost does not grow with what the channels hold beyond one
 * pointer compare per item of an appending channel:
 *
 * - updates copy the state shallowly, so a channel no update touched still holds the very same value: not written;
 * - an appending channel (`appendReducer`, or `appends: true`) whose new array begins with exactly the parent's items
 *   (the same objects) records only how many items it added;
 * - any other channel that changed is written whole.
 *
 * Nodes must not change the state they are given in place. The common slip — pushing onto a list channel — is still
 * caught: `storedLengths` holds the length each list channel had when the parent was stored, and a list whose length
 * moved since is written from that length (or whole), whatever its identity says.
 *
 * Returns `undefined` when the state lost a key (no update does that): the caller then writes the state whole.
 */
export function stateChanges<S extends object>(
  channels: Channels<S>,
  parent: S,
  next: S,
  parentId: string,
  storedLengths: ReadonlyMap<string, number> = new Map(),
): StateChanges | undefined {
  const before = parent as Record<string, unknown>;
  const after = next as Record<string, unknown>;
  const whole: string[] = [];
  const appended: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const key of Object.keys(before)) {
    if (!Object.prototype.hasOwnProperty.call(after, key)) return undefined;
  }
  for (const key of Object.keys(after)) {
    const was = Object.prototype.hasOwnProperty.call(before, key) ? before[key] : undefined;
    const now = after[key];
    const storedLength = storedLengths.get(key);
    const unmoved = !Array.isArray(now) || storedLength === undefined || storedLength === now.length;
    if (was === now && unmoved && Object.prototype.hasOwnProperty.call(before, key)) continue;
    const added = isAppending(channels, key) ? itemsAdded(was, now, storedLength) : undefined;
    if (added === undefined) whole.push(key);
    else if (added > 0) appended[key] = added;
  }
  return { parentId, whole, appended };
}

/** Whether the channel `key` is declared as appending. */
function isAppending<S extends object>(channels: Channels<S>, key: string): boolean {
  if (!Object.prototype.hasOwnProperty.call(channels, key)) return false;
  const spec = (channels as Record<string, { reducer?: unknown; appends?: boolean } | undefined>)[key];
  return spec !== undefined && (spec.appends === true || spec.reducer === appendReducer);
}

/**
 * How many items `now` added after the first `storedLength` items (the parent's length when it was stored; `was`'s
 * length when unknown; absent counts as empty), or `undefined` when `now` does not begin with exactly those items.
 */
function itemsAdded(was: unknown, now: unknown, storedLength: number | undefined): number | undefined {
  if (!Array.isArray(now)) return undefined;
  if (was === undefined) return storedLength === undefined || storedLength === 0 ? now.length : undefined;
  if (!Array.isArray(was)) return undefined;
  const kept = storedLength ?? was.length;
  if (now.length < kept || was.length < kept) return undefined;
  for (let i = 0; i < kept; i++) {
    if (now[i] !== was[i]) return undefined;
  }
  return now.length - kept;
}

/** The length of every list channel of `state`: what {@link stateChanges} compares with when the next save comes. */
export function listLengths(state: unknown): Map<string, number> {
  const lengths = new Map<string, number>();
  if (state === null || typeof state !== "object") return lengths;
  for (const [key, value] of Object.entries(state)) if (Array.isArray(value)) lengths.set(key, value.length);
  return lengths;
}
