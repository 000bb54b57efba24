import type { ExecutionRecord, ExecutionStatus } from "@lg/core";

/** A record as the registry's statements return it (`RECORD_COLUMNS`). */
export interface RecordRow {
  execution_id: string;
  status: ExecutionStatus;
  graph_name: string;
  graph_version: string;
  owner: string | null;
  /** Epoch milliseconds. */
  lease_expires_at: number | null;
  attempts: number;
  input: string;
  input_key: string;
  error: string | null;
  /** Epoch milliseconds. */
  created_at: number;
  /** Epoch milliseconds. */
  updated_at: number;
}

/** A row as the contract's record: NULL columns become absent fields, times become dates. */
export function rowToRecord(row: RecordRow): ExecutionRecord {
  const record: ExecutionRecord = {
    executionId: row.execution_id,
    status: row.status,
    graphName: row.graph_name,
    graphVersion: row.graph_version,
    attempts: row.attempts,
    input: row.input,
    inputKey: row.input_key,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
  if (row.owner !== null) record.owner = row.owner;
  if (row.lease_expires_at !== null) record.leaseExpiresAt = new Date(row.lease_expires_at);
  if (row.error !== null) record.error = row.error;
  return record;
}
