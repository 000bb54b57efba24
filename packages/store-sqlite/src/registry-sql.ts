/**
 * SQL text of the execution registry: its table (migration 4) and the statements the registry prepares once.
 *
 * @packageDocumentation
 */
import type { SqlNames } from "./sql.js";

/**
 * Migration 4: one record per execution. Times are epoch milliseconds of the writing process's clock (the processes
 * sharing a file share the host's clock). `lease_token` is the fencing token of the current lease; it is never read
 * back into a record. The indexes serve `claim` without reading ended executions, however many: the records by
 * status and time of their last change (the queued ones in the order they were queued; `counts` reads it alone),
 * and a partial index of the running ones by the time their lease ends.
 */
export function createExecutionsSql(names: SqlNames): string {
  const { executions, leasedIndex, statusIndex } = names;
  return `
    CREATE TABLE ${executions} (
      execution_id TEXT PRIMARY KEY,
      status TEXT NOT NULL,
      graph_name TEXT NOT NULL,
      graph_version TEXT NOT NULL,
      owner TEXT,
      lease_token TEXT,
      lease_expires_at INTEGER,
      attempts INTEGER NOT NULL DEFAULT 0,
      input TEXT NOT NULL,
      input_key TEXT NOT NULL,
      error TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE INDEX ${statusIndex} ON ${executions} (status, updated_at);
    CREATE INDEX ${leasedIndex} ON ${executions} (lease_expires_at) WHERE status = 'running';`;
}

/** The columns a record is read from, in this order (everything but the lease token). */
export const RECORD_COLUMNS =
  "execution_id, status, graph_name, graph_version, owner, lease_expires_at, attempts, input, input_key, error, " +
  "created_at, updated_at";

/** The statements of the registry; named parameters (`@name`) where a statement takes more than two. */
export interface RegistrySql {
  /** By execution id. */
  select: string;
  /** A new queued record: @id, @graphName, @graphVersion, @input, @inputKey, @now. */
  insert: string;
  /** A paused or ended record queued again: @id, @input, @inputKey, @now. */
  requeue: string;
  /**
   * The ids a claim takes: @graphs (JSON `[[name, version], …]`), @now, @limit. Running records whose lease ended
   * first (by expiry), then queued ones (oldest first).
   */
  candidates: string;
  /** Takes one record: @id, @owner, @token, @expiresAt, @now. */
  take: string;
  /** Extends a held lease: @id, @token, @expiresAt. */
  renew: string;
  /** Hands a held lease back: @id, @token, @status, @error, @now. */
  release: string;
  /** Cancels a record that has not ended: @id, @now. */
  cancel: string;
  /** Positional: execution id, token. 1 when the record holds the lease. */
  holds: string;
  /** By execution id. */
  delete: string;
  /** A page by execution id: @cursor (exclusive), @statuses (JSON array, or NULL for all), @limit. */
  list: string;
  /** How many records have each status present. */
  counts: string;
}

/** Builds the statements of {@link RegistrySql} for one store's table. */
export function registrySql(names: SqlNames): RegistrySql {
  const table = names.executions;
  const held = "execution_id = @id AND lease_token = @token AND status = 'running'";
  const served = "(graph_name, graph_version) IN (SELECT value ->> 0, value ->> 1 FROM json_each(@graphs))";
  const unleased = "owner = NULL, lease_token = NULL, lease_expires_at = NULL";
  const returning = `RETURNING ${RECORD_COLUMNS}`;
  return {
    select: `SELECT ${RECORD_COLUMNS} FROM ${table} WHERE execution_id = ?`,
    insert: `INSERT INTO ${table}
      (execution_id, status, graph_name, graph_version, attempts, input, input_key, created_at, updated_at)
      VALUES (@id, 'queued', @graphName, @graphVersion, 0, @input, @inputKey, @now, @now) ${returning}`,
    requeue: `UPDATE ${table} SET status = 'queued', input = @input, input_key = @inputKey, error = NULL, ${unleased},
      updated_at = @now WHERE execution_id = @id ${returning}`,
    // Each branch walks its index in claimable-since order and stops after `limit` served records, so a claim
    // reads about `limit` records of each kind whatever the number of queued, running and ended ones; the final
    // sort is over those. The literal 'running' lets SQLite use the partial index.
    // Expired leases come first (rank 0): started executions, whose recovery must not wait behind the queue.
    candidates: `SELECT execution_id FROM (
        SELECT * FROM (SELECT execution_id, 1 AS rank, updated_at AS since FROM ${table}
          WHERE status = 'queued' AND ${served} ORDER BY updated_at LIMIT @limit)
        UNION ALL
        SELECT * FROM (SELECT execution_id, 0 AS rank, lease_expires_at AS since FROM ${table}
          WHERE status = 'running' AND lease_expires_at <= @now AND ${served} ORDER BY lease_expires_at LIMIT @limit))
      ORDER BY rank, since, execution_id LIMIT @limit`,
    take: `UPDATE ${table} SET status = 'running', owner = @owner, lease_token = @token, lease_expires_at = @expiresAt,
      attempts = attempts + 1, updated_at = @now WHERE execution_id = @id ${returning}`,
    renew: `UPDATE ${table} SET lease_expires_at = @expiresAt WHERE ${held}`,
    release: `UPDATE ${table} SET status = @status, ${unleased}, error = @error, updated_at = @now
      WHERE ${held} ${returning}`,
    cancel: `UPDATE ${table} SET status = 'cancelled', ${unleased}, updated_at = @now
      WHERE execution_id = @id AND status IN ('queued', 'running', 'paused') ${returning}`,
    holds: `SELECT 1 FROM ${table} WHERE execution_id = ? AND lease_token = ? AND status = 'running'`,
    delete: `DELETE FROM ${table} WHERE execution_id = ?`,
    list: `SELECT ${RECORD_COLUMNS} FROM ${table}
      WHERE execution_id > @cursor AND (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))
      ORDER BY execution_id LIMIT @limit`,
    counts: `SELECT status, COUNT(*) AS count FROM ${table} GROUP BY status`,
  };
}
