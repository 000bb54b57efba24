import { CheckpointCorruptError, type ExecutionRecord } from "@lg/core";
import { isStatus } from "@lg/core/store";
import { RECORD_FIELD } from "./keys.js";
import { arrayReply } from "./replies.js";

/**
 * Reading registry records out of script replies: a record comes back as its hash's flat `HGETALL` field list.
 *
 * @packageDocumentation
 */

function damaged(executionId: string, detail: string): CheckpointCorruptError {
  return new CheckpointCorruptError(
    undefined,
    `the registry record of execution "${executionId}" ${detail} (it was changed outside the store)`,
  );
}

function time(executionId: string, field: string, text: string): Date {
  const ms = Number(text);
  if (text === "" || !Number.isSafeInteger(ms)) throw damaged(executionId, `has an unreadable ${field}`);
  return new Date(ms);
}

/**
 * The record of `executionId` from a flat `[field, value, …]` reply (of the script named `script`), or `undefined`
 * for an empty one (no record). The lease token is left out: only `claim` hands it out.
 */
export function recordOf(script: string, executionId: string, reply: unknown): ExecutionRecord | undefined {
  const flat = arrayReply(script, reply);
  if (flat.length === 0) return undefined;
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(String(flat[i]), String(flat[i + 1]));
  const text = (field: string): string => {
    const value = fields.get(field);
    if (value === undefined) throw damaged(executionId, `lacks its ${field}`);
    return value;
  };
  const status = text(RECORD_FIELD.status);
  if (!isStatus(status)) throw damaged(executionId, `has an unknown status ${JSON.stringify(status)}`);
  const attempts = Number(text(RECORD_FIELD.attempts));
  if (!Number.isSafeInteger(attempts) || attempts < 0) throw damaged(executionId, "has an unreadable attempts count");
  const record: ExecutionRecord = {
    executionId,
    status,
    graphName: text(RECORD_FIELD.graphName),
    graphVersion: text(RECORD_FIELD.graphVersion),
    attempts,
    input: text(RECORD_FIELD.input),
    inputKey: text(RECORD_FIELD.inputKey),
    createdAt: time(executionId, RECORD_FIELD.createdAt, text(RECORD_FIELD.createdAt)),
    updatedAt: time(executionId, RECORD_FIELD.updatedAt, text(RECORD_FIELD.updatedAt)),
  };
  const owner = fields.get(RECORD_FIELD.owner);
  if (owner !== undefined) record.owner = owner;
  const expires = fields.get(RECORD_FIELD.leaseExpiresAt);
  if (expires !== undefined) record.leaseExpiresAt = time(executionId, RECORD_FIELD.leaseExpiresAt, expires);
  const error = fields.get(RECORD_FIELD.error);
  if (error !== undefined) record.error = error;
  return record;
}

/** Like {@link recordOf}, for a reply that must hold a record. */
export function requiredRecord(script: string, executionId: string, reply: unknown): ExecutionRecord {
  const record = recordOf(script, executionId, reply);
  if (record === undefined) throw damaged(executionId, "vanished while the script ran");
  return record;
}
