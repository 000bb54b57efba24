import { CheckpointCorruptError, type ExecutionSummary } from "@lg/core";
import { DAMAGED_HASH_DETAIL } from "./lua.js";

/**
 * Readers of raw script replies. Redis answers scripts with nested arrays of strings and integers; these turn
 * them into typed values and refuse anything else with a clear error (a reply of an unexpected shape means the
 * server ran a different script than this version of the store ships).
 */

function unexpected(script: string, reply: unknown): Error {
  return new Error(`unexpected reply of the ${script} script: ${JSON.stringify(reply)?.slice(0, 200)}`);
}

/** A reply that must be an integer. */
export function integerReply(script: string, reply: unknown): number {
  if (typeof reply !== "number") throw unexpected(script, reply);
  return reply;
}

/** A reply that must be an array. */
export function arrayReply(script: string, reply: unknown): unknown[] {
  if (!Array.isArray(reply)) throw unexpected(script, reply);
  return reply;
}

/** A reply element that must be a string. */
export function stringAt(script: string, reply: readonly unknown[], index: number): string {
  const value = reply[index];
  if (typeof value !== "string") throw unexpected(script, reply);
  return value;
}

/** Reads `{more, executionId, version, timestamp, ...}` of the executions page script. */
export function executionSummaries(reply: readonly unknown[]): ExecutionSummary[] {
  const executions: ExecutionSummary[] = [];
  for (let i = 1; i + 2 < reply.length; i += 3) {
    const executionId = stringAt("listExecutions", reply, i);
    const latestVersion = Number(stringAt("listExecutions", reply, i + 1));
    const updatedAt = Number(stringAt("listExecutions", reply, i + 2));
    if (!Number.isSafeInteger(latestVersion) || !Number.isFinite(updatedAt)) {
      throw new CheckpointCorruptError(undefined, `execution "${executionId}" has an unreadable version or timestamp`);
    }
    executions.push({ executionId, latestVersion, updatedAt: new Date(updatedAt) });
  }
  return executions;
}

/**
 * The `data` field of an `HMGET {checkpoint hash} data executionId` reply, or `null` when the hash is absent. A hash
 * holding only one of the two was damaged outside the store (a save writes both): `CheckpointCorruptError` naming `id`.
 */
export function wholeHashData(id: string, reply: unknown): string | null {
  const [data, owner] = arrayReply("load", reply);
  if ((data === null || data === undefined) !== (owner === null || owner === undefined)) {
    throw new CheckpointCorruptError(id, DAMAGED_HASH_DETAIL);
  }
  if (data === null || data === undefined) return null;
  if (typeof data !== "string") throw new CheckpointCorruptError(id, "the stored data field is not a string");
  return data;
}
