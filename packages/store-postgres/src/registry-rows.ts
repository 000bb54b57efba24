import { StoreUnavailableError, type ExecutionRecord } from "@lg/core";
import { isStatus } from "@lg/core/store";
import { RecCol } from "./registry-sql.js";

/**
 * Reads registry rows (`RecCol` order, times as epoch milliseconds) back into `ExecutionRecord`s. Absent optional
 * fields are left out rather than set to `undefined`.
 *
 * @packageDocumentation
 */

/** The record of one registry row. */
export function rowToRecord(row: readonly unknown[]): ExecutionRecord {
  const status = row[RecCol.Status];
  const executionId = String(row[RecCol.ExecutionId]);
  // The table's CHECK constraint admits only the six statuses; anything else was written underneath the store.
  if (!isStatus(status))
    throw new StoreUnavailableError(`the registry record of execution "${executionId}" has an unknown status`);
  const record: ExecutionRecord = {
    executionId,
    status,
    graphName: String(row[RecCol.GraphName]),
    graphVersion: String(row[RecCol.GraphVersion]),
    attempts: Number(row[RecCol.Attempts]),
    input: String(row[RecCol.Input]),
    inputKey: String(row[RecCol.InputKey]),
    createdAt: new Date(Number(row[RecCol.CreatedMs])),
    updatedAt: new Date(Number(row[RecCol.UpdatedMs])),
  };
  const owner = row[RecCol.Owner];
  if (typeof owner === "string") record.owner = owner;
  const expires = row[RecCol.LeaseExpiresMs];
  if (expires !== null && expires !== undefined) record.leaseExpiresAt = new Date(Number(expires));
  const error = row[RecCol.Error];
  if (typeof error === "string") record.error = error;
  return record;
}
