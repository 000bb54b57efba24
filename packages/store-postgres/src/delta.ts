import type { Checkpoint, StateChanges } from "@lg/core";
import { encodeIncremental, type JsonValue } from "@lg/core/store";
import { encodedSaveParams, toJsonbText, type SaveParams } from "./rows.js";
import { isStorableText } from "./text.js";

/**
 * The parameters of a save given the runtime's `changes` (statement `saveDelta` in `sql.ts`): the row holds the
 * channels the step wrote whole as one JSON object (`state->'channel'` reads what it wrote) and the items it appended
 * go to the items table, one row each.
 *
 * @packageDocumentation
 */

/** `saveDelta`'s parameters: the save's ten, the parent id, the item counts (JSON or NULL), the items (JSON). */
export type DeltaParams = [...SaveParams, string, string | null, string];

// A channel whose name could be mistaken for the JSONB wrapper's tag (`rows.ts`) is kept whole.
const TAG_KEY = "$lg";
// Item rows key their channel in a unique index whose entries must stay under PostgreSQL's ~2.7 KB; a longer name
// (never seen in practice) is kept in a full row instead.
const MAX_ITEM_CHANNEL_BYTES = 512;

const storableChannel = (channel: string): boolean =>
  isStorableText(channel) && Buffer.byteLength(channel, "utf8") <= MAX_ITEM_CHANNEL_BYTES;

/**
 * Validates `changes` against `cp` and encodes only what changed (core's `encodeIncremental`; `InvalidArgumentError`
 * for changes that do not fit the checkpoint). Returns `undefined` when the changes cannot be stored as a delta row
 * (a `$lg` channel written whole, a channel name PostgreSQL text or the items index cannot hold): the caller then
 * stores the checkpoint whole.
 */
export function toDeltaParams(cp: Checkpoint, changes: StateChanges): DeltaParams | undefined {
  const { header, row } = encodeIncremental(cp, changes);
  if (row.whole.some(([channel]) => channel === TAG_KEY)) return undefined;
  if (row.items.some(([channel]) => !storableChannel(channel))) return undefined;
  // fromEntries defines own properties, so a channel called `__proto__` stays a plain key.
  const whole = Object.fromEntries(row.whole) as JsonValue;
  const counts = Object.fromEntries(row.items.map(([channel, values]) => [channel, values.length]));
  const items: string[] = [];
  for (const [channel, values] of row.items) {
    const name = JSON.stringify(channel);
    values.forEach((value, idx) => items.push(`[${name},${idx},${toJsonbText(value)}]`));
  }
  return [
    ...encodedSaveParams(header, toJsonbText(whole)),
    changes.parentId,
    row.items.length === 0 ? null : JSON.stringify(counts),
    `[${items.join(",")}]`,
  ];
}
