import type { ExecutionRecord, ExecutionStatus } from "@lg/core";

/** An execution as the memory registry keeps it: the record's fields as plain values, plus the lease token. */
export interface RegistryEntry {
  executionId: string;
  status: ExecutionStatus;
  graphName: string;
  graphVersion: string;
  owner: string | undefined;
  /** The current lease's token; never part of an {@link ExecutionRecord}. */
  token: string | undefined;
  /** Epoch milliseconds. */
  leaseExpiresAt: number | undefined;
  attempts: number;
  input: string;
  inputKey: string;
  error: string | undefined;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds. */
  updatedAt: number;
  /**
   * When the entry became claimable (queued: its `updatedAt`; running: its lease's end), with `sequence` breaking
   * ties of the same millisecond in the order the entries got there, so that claim takes the oldest first.
   */
  sequence: number;
}

/** A fresh record of `entry`: no object of the caller's is ever the store's, nor the other way round. */
export function recordOf(entry: RegistryEntry): ExecutionRecord {
  const record: ExecutionRecord = {
    executionId: entry.executionId,
    status: entry.status,
    graphName: entry.graphName,
    graphVersion: entry.graphVersion,
    attempts: entry.attempts,
    input: entry.input,
    inputKey: entry.inputKey,
    createdAt: new Date(entry.createdAt),
    updatedAt: new Date(entry.updatedAt),
  };
  if (entry.owner !== undefined) record.owner = entry.owner;
  if (entry.leaseExpiresAt !== undefined) record.leaseExpiresAt = new Date(entry.leaseExpiresAt);
  if (entry.error !== undefined) record.error = entry.error;
  return record;
}

/** Whether a claim at `now` may take the entry: queued, or running on a lease that has ended. */
export function isClaimable(entry: RegistryEntry, now: number): boolean {
  if (entry.status === "queued") return true;
  return entry.status === "running" && entry.leaseExpiresAt !== undefined && entry.leaseExpiresAt <= now;
}

/** Since when the entry has been claimable: a queued one since its last change, a running one since its lease ended. */
export function claimableSince(entry: RegistryEntry): number {
  return entry.status === "running" ? (entry.leaseExpiresAt ?? entry.updatedAt) : entry.updatedAt;
}
