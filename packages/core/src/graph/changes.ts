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
 * Returns `undefined` when the state lost a key (no update does that): the caller then writes the state whole.
 */
export function stateChanges<S extends object>(
  channels: Channels<S>,
  parent: S,
  next: S,
  parentId: string,
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
    if (was === now && Object.prototype.hasOwnProperty.call(before, key)) continue;
    const added = isAppending(channels, key) ? itemsAdded(was, now) : undefined;
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
 * How many items `now` added at the end of `was` (absent counts as empty), or `undefined` when `now` does not
 * begin with exactly `was`'s items.
 */
function itemsAdded(was: unknown, now: unknown): number | undefined {
  if (!Array.isArray(now)) return undefined;
  if (was === undefined) return now.length;
  if (!Array.isArray(was) || now.length < was.length) return undefined;
  for (let i = 0; i < was.length; i++) {
    if (now[i] !== was[i]) return undefined;
  }
  return now.length - was.length;
}
