import { keyColumns } from "./keys.js";
import type { ResolvedPostgresOptions } from "./options.js";

/**
 * The statements of migration 6, which adds the execution registry (`registry.ts`): one row per execution in
 * `<table>_executions`, beside the checkpoints.
 *
 * - `execution_id` is keyed like the checkpoints' ids (`keys.ts`), so an execution id of any length has a record.
 * - `lease_token` is the fencing token of the current lease; it is never part of a record read back.
 * - Times are `timestamptz`, written from the server's clock only, so workers on machines whose clocks differ agree.
 * - Two partial indexes serve `claim` without reading ended executions: queued ones by `updated_at` (oldest first)
 *   and running ones by `lease_expires_at` (expired leases first).
 *
 * The table is created without `IF NOT EXISTS`: a table of that name made by someone else is refused (the migration's
 * transaction rolls back) rather than written into.
 */
export function registryStatements(o: ResolvedPostgresOptions): string[] {
  const e = o.qualifiedExecutionsTable;
  return [
    `CREATE TABLE ${e} (` +
      'execution_id TEXT COLLATE "C" NOT NULL, ' +
      "status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'done', 'failed', 'cancelled')), " +
      "graph_name TEXT NOT NULL, " +
      "graph_version TEXT NOT NULL, " +
      "owner TEXT, " +
      "lease_token TEXT, " +
      "lease_expires_at TIMESTAMPTZ, " +
      "attempts INTEGER NOT NULL DEFAULT 0, " +
      "input TEXT NOT NULL, " +
      "input_key TEXT NOT NULL, " +
      "error TEXT, " +
      "created_at TIMESTAMPTZ NOT NULL, " +
      "updated_at TIMESTAMPTZ NOT NULL)",
    `CREATE UNIQUE INDEX ${o.quotedRegistryKeyIndex} ON ${e} (${keyColumns("execution_id")})`,
    `CREATE INDEX ${o.quotedRegistryQueuedIndex} ON ${e} (updated_at) WHERE status = 'queued'`,
    `CREATE INDEX ${o.quotedRegistryExpiryIndex} ON ${e} (lease_expires_at) WHERE status = 'running'`,
  ];
}
