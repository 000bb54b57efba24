import { LeaseLostError, type ExecutionStatus, type LeaseFence, type StatusChange } from "@lg/core";
import { validateLeaseFence, zeroCounts } from "@lg/core/store";
import { claimableSince, isClaimable, type RegistryEntry } from "./registry-entry.js";
import { SortedStringList } from "./sorted-string-list.js";

type Listener = (change: StatusChange) => void;

/**
 * The memory store's execution records, their indexes and their subscribers: what the store itself uses (fencing,
 * `clear`, `close`) and what `MemoryExecutionRegistry` serves the contract from. Every method is synchronous, so a
 * caller that reads and writes in one call is atomic.
 */
export class RegistryTable {
  private readonly entries = new Map<string, RegistryEntry>();
  /** Ids of the queued and running entries: the only ones a claim looks at. */
  private readonly active = new Set<string>();
  /** Every id, in code point order, for `list`. */
  private readonly ids = new SortedStringList();
  private readonly tally = zeroCounts();
  private readonly listeners = new Set<Listener>();
  private sequence = 0;

  /** The entry of `executionId`, or `undefined`. */
  get(executionId: string): RegistryEntry | undefined {
    return this.entries.get(executionId);
  }

  /** Up to `limit` ids after `cursor` in code point order, and whether more follow. */
  idsAfter(cursor: string | undefined, limit: number): { values: string[]; hasMore: boolean } {
    return this.ids.pageAfter(cursor, limit);
  }

  /** Adds a new entry in its status. */
  insert(entry: RegistryEntry): void {
    this.entries.set(entry.executionId, entry);
    this.ids.add(entry.executionId);
    this.tally[entry.status]++; // counted first: moveTo's move from its status to the same keeps the count
    this.moveTo(entry, entry.status, entry.updatedAt, entry.leaseExpiresAt);
  }

  /**
   * The claimable entries of the served graph versions (keys of {@link servedKey}): expired leases first, then queued
   * entries, each the longest claimable first.
   */
  claimable(now: number, served: ReadonlySet<string>): RegistryEntry[] {
    const found: RegistryEntry[] = [];
    for (const id of this.active) {
      const entry = this.entries.get(id);
      if (entry !== undefined && isClaimable(entry, now) && served.has(servedKey(entry.graphName, entry.graphVersion)))
        found.push(entry);
    }
    // Expired leases first: started executions, whose recovery must not wait behind the queue.
    const rank = (entry: RegistryEntry): number => (entry.status === "running" ? 0 : 1);
    return found.sort((a, b) => rank(a) - rank(b) || claimableSince(a) - claimableSince(b) || a.sequence - b.sequence);
  }

  /** The entry when it is running under `fence`'s token, whether or not the lease has run out meanwhile. */
  held(fence: LeaseFence): RegistryEntry | undefined {
    const entry = this.entries.get(fence.executionId);
    return entry !== undefined && entry.status === "running" && entry.token === fence.token ? entry : undefined;
  }

  /**
   * Throws `LeaseLostError` unless the record of `executionId` runs under `lease`'s token: the fencing of
   * `save(cp, { lease })`, called synchronously by the store before its version check.
   */
  assertHeld(lease: LeaseFence): void {
    validateLeaseFence(lease);
    if (this.held(lease) === undefined) throw new LeaseLostError(lease.executionId);
  }

  /** Gives `entry` its new status (counts, the claimable set, claim order) and tells the subscribers. */
  moveTo(entry: RegistryEntry, status: ExecutionStatus, now: number, leaseExpiresAt?: number): void {
    this.tally[entry.status]--;
    this.tally[status]++;
    entry.status = status;
    entry.leaseExpiresAt = leaseExpiresAt;
    entry.updatedAt = now;
    this.touch(entry);
    if (status === "queued" || status === "running") this.active.add(entry.executionId);
    else this.active.delete(entry.executionId);
    // A claim is not announced (as on every store): nobody waits for an execution to start running.
    if (status !== "running") this.announce({ executionId: entry.executionId, status });
  }

  /** Orders `entry` after every entry touched before it, among those claimable since the same millisecond. */
  touch(entry: RegistryEntry): void {
    entry.sequence = ++this.sequence;
  }

  /** How many entries have each status. */
  counts(): Record<ExecutionStatus, number> {
    return { ...this.tally };
  }

  /** Adds a subscriber; returns the function that removes it. */
  subscribe(listener: Listener): () => void {
    // A wrapper of its own, so that the same function subscribed twice is two subscriptions, ended one by one.
    const subscription: Listener = (change) => listener(change);
    this.listeners.add(subscription);
    return () => {
      this.listeners.delete(subscription);
    };
  }

  /** Removes the execution's entry (its lease with it), for the store's `clear`. */
  remove(executionId: string): void {
    const entry = this.entries.get(executionId);
    if (entry === undefined) return;
    this.tally[entry.status]--;
    this.entries.delete(executionId);
    this.active.delete(executionId);
    this.ids.remove(executionId);
  }

  /** Drops every entry and ends every subscription, for the store's `close`. */
  reset(): void {
    this.entries.clear();
    this.active.clear();
    this.ids.clear();
    Object.assign(this.tally, zeroCounts());
    this.listeners.clear();
  }

  /**
   * Tells every subscriber, each in a task of its own: like a notification from a database, the call that made the
   * change neither waits for the listeners nor fails with them.
   */
  private announce(change: StatusChange): void {
    for (const listener of this.listeners) {
      setImmediate(() => {
        try {
          listener({ ...change });
        } catch {
          // A listener's failure is its own; the registry's state is already changed and stays consistent.
        }
      });
    }
  }
}

/** The key of a served graph version in the set `claimable` takes. */
export function servedKey(name: string, version: string): string {
  return JSON.stringify([name, version]);
}
