import type { StoredEntry } from "./version-index.js";

/**
 * Keeps the sum of the serialized sizes (UTF-8 bytes of the JSON) of stored rows for `stats()`.
 *
 * Measuring a size means `JSON.stringify`, which costs about as much as encoding the checkpoint in the first
 * place; doing it on every save would make `save` almost twice as slow for a figure that only monitoring reads.
 * So new entries are measured when `stats()` next asks, once each: a stats call costs the entries saved since the
 * previous call, and a save pays only a set insertion.
 */
export class ByteTally {
  private measuredTotal = 0;
  private readonly sizes = new Map<StoredEntry, number>();
  private readonly unmeasured = new Set<StoredEntry>();

  /** Counts a newly stored (or changed) entry (measured lazily). */
  add(entry: StoredEntry): void {
    this.unmeasured.add(entry);
  }

  /** Stops counting a removed entry. */
  remove(entry: StoredEntry): void {
    if (this.unmeasured.delete(entry)) return;
    const size = this.sizes.get(entry);
    if (size === undefined) return;
    this.sizes.delete(entry);
    this.measuredTotal -= size;
  }

  /** Forgets every entry. */
  clear(): void {
    this.measuredTotal = 0;
    this.sizes.clear();
    this.unmeasured.clear();
  }

  /** The total in bytes, measuring the entries added since the last call. */
  total(): number {
    for (const entry of this.unmeasured) {
      const size = Buffer.byteLength(serialized(entry), "utf8");
      this.sizes.set(entry, size);
      this.measuredTotal += size;
    }
    this.unmeasured.clear();
    return this.measuredTotal;
  }
}

/** A full row as one checkpoint's JSON (what `serializeCheckpoint` gives); a change-only row as its header and changes. */
function serialized(entry: StoredEntry): string {
  const { row } = entry;
  if (row.base !== undefined && row.whole.length === 0 && row.items.length === 0)
    return JSON.stringify({ ...entry.header, state: row.base });
  return JSON.stringify(entry.header) + JSON.stringify(row);
}
