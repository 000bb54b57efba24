import type { StateChanges } from "@lg/core";
import type { EncodedIncrementalCheckpoint } from "@lg/core/store";
import { ROW_KIND } from "./keys.js";

/**
 * The `ARGV` of the `save` script for one encoded checkpoint: prefix, id, executionId, version, data (the checkpoint
 * without its state), timestamp, ttl, kind, state, items, counts, link. A full row (`encoded.row.base` set) has its
 * whole state in `state`; a delta row the channels written whole as pairs in `state`, the appended items, their
 * counts per channel, and the parent it continues as its link. A save under a lease adds the lease's token.
 */
export function saveArgs(
  prefix: string,
  encoded: EncodedIncrementalCheckpoint,
  changes: StateChanges | undefined,
  ttl: number,
  leaseToken?: string,
): string[] {
  const { header, row } = encoded;
  const common = [
    prefix,
    header.id,
    header.executionId,
    String(header.version),
    JSON.stringify(header),
    String(header.timestamp),
    String(ttl),
  ];
  const fence = leaseToken === undefined ? [] : [leaseToken];
  if (row.base !== undefined || changes === undefined) {
    return [...common, ROW_KIND.full, JSON.stringify(row.base), "", "", "", ...fence];
  }
  const counts = row.items.map(([channel, items]) => [channel, items.length]);
  return [
    ...common,
    ROW_KIND.delta,
    JSON.stringify(row.whole),
    JSON.stringify(row.items),
    JSON.stringify(counts),
    changes.parentId,
    ...fence,
  ];
}
