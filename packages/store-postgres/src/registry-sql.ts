import { keyDigest, keyMatch, keyPrefix } from "./keys.js";
import type { ResolvedPostgresOptions } from "./options.js";

/**
 * The SQL text of the execution registry's statements (`registry.ts`), built once per store from validated, quoted
 * identifiers. Every decision is one statement, so it is atomic without a transaction of the client's:
 *
 * - the time of a statement is read once, `clock_timestamp()` truncated to milliseconds (`t.now`), and every time the
 *   statement writes or compares is derived from it;
 * - records are found through the key index of `execution_id` (`keys.ts`), so ids of any length fit;
 * - every statement that changes a status also sends `pg_notify` on the registry's channel, in the same statement:
 *   PostgreSQL delivers it only when the change commits;
 * - records are read as arrays (`.values()`), times as epoch milliseconds, lists as JSON text, so no client setting
 *   (column transforms, type parsers) is involved.
 *
 * @packageDocumentation
 */

/** Positions of the columns of a record row (`RECORD_COLUMNS`). */
export const RecCol = {
  ExecutionId: 0,
  Status: 1,
  GraphName: 2,
  GraphVersion: 3,
  Owner: 4,
  LeaseExpiresMs: 5,
  Attempts: 6,
  Input: 7,
  InputKey: 8,
  Error: 9,
  CreatedMs: 10,
  UpdatedMs: 11,
  /** Only in `claim`'s rows: the lease's token. */
  Token: 12,
} as const;

/**
 * PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. A change whose `{executionId, status}` is that long
 * (an execution id of thousands of characters) is sent as its status with the id's two index keys instead, which a
 * subscriber resolves to the id with one index probe.
 */
export const MAX_PAYLOAD_BYTES = 7999;

/** The ended or paused statuses an enqueue with a new key queues again. */
const REQUEUEABLE = "('paused', 'done', 'failed', 'cancelled')";
/** The statuses `cancel` ends. */
const CANCELLABLE = "('queued', 'running', 'paused')";

const ms = (column: string): string => `round(extract(epoch from ${column}) * 1000)::float8`;

// The record of row `r`, in `RecCol` order.
const recordColumns = (r: string): string =>
  `${r}.execution_id, ${r}.status, ${r}.graph_name, ${r}.graph_version, ${r}.owner, ${ms(`${r}.lease_expires_at`)}, ` +
  `${r}.attempts, ${r}.input, ${r}.input_key, ${r}.error, ${ms(`${r}.created_at`)}, ${ms(`${r}.updated_at`)}`;

// The statement's time, read once: a CTE referenced more than once is evaluated once.
const NOW = "t AS MATERIALIZED (SELECT date_trunc('milliseconds', clock_timestamp()) AS now)";

// Clears the lease of row `e` (set list items).
const NO_LEASE = "owner = NULL, lease_token = NULL, lease_expires_at = NULL";

// Whether row `e` belongs to a graph version the claim serves (CTE `g`). `OFFSET 0` keeps it a filter on each row the
// branch's index hands out: as a semi-join, PostgreSQL planning on a table without statistics yet (a new registry,
// or a backlog submitted since the last analyze) bitmap-scans the whole queue and sorts it, on every claim.
const SERVED = "EXISTS (SELECT 1 FROM g WHERE g.name = e.graph_name AND g.version = e.graph_version OFFSET 0)";

/**
 * Matches row `e` with the rows of CTE `source` (column `execution_id`) through the key index, by the array of their
 * key prefixes: joined on the keys alone, a generic plan (which cannot see how few rows `source` holds) hashes the
 * whole table, ended executions included.
 */
function keyedTo(source: string): string {
  return (
    `${keyPrefix("e.execution_id")} = ANY (ARRAY(SELECT ${keyPrefix(`${source}0.execution_id`)} FROM ${source} ` +
    `${source}0)) AND ${keyMatch("e.execution_id", `${source}.execution_id`)}`
  );
}

/** The statements of one store's registry. */
export interface RegistryStatements {
  /**
   * Records a submission; params: execution id, graph name, graph version, input, input key. Returns one row per
   * source (`0` inserted, `1` queued again, `2` the record as the statement's snapshot saw it) with the record after
   * the source's column, first source first.
   */
  enqueue: string;
  /**
   * Claims; params: owner, graph names and versions (array literals, pairwise), limit, lease ms, tokens (array
   * literal of `limit` tokens). Returns the claimed records, each with its token.
   */
  claim: string;
  /** Renews; params: execution ids, tokens (array literals), lease ms. One row: expiry ms, JSON array of the lost. */
  renew: string;
  /** Releases; params: execution id, token, status, error. Returns the record, or no row when the lease is lost. */
  release: string;
  /** Cancels; param: execution id. Rows as `enqueue`'s: `1` cancelled now, `2` the record as it was found. */
  cancel: string;
  /** One record; param: execution id. */
  get: string;
  /**
   * A page of records by execution id; params: bound, whether the bound itself is included (`true`/`false`),
   * statuses (array literal, or NULL for all), limit.
   */
  list: string;
  /** Status and count of each status present. */
  counts: string;
  /** The execution id of a long id's NOTIFY (see {@link MAX_PAYLOAD_BYTES}); params: its prefix key, its digest. */
  resolve: string;
  /** Deletes the record; param: execution id. Run in `clear`'s transaction. */
  remove: string;
}

/**
 * Sends the change of each row of `source` (columns `execution_id`, `status`) on `channel` — except a claim's
 * (`running`): nobody waits for it, and PostgreSQL serializes the commits of notifying transactions — as JSON
 * `{"executionId", "status"}`, or `{"status", "prefix", "digest"}` when that is too long for a payload. The count
 * is selected so that the calls are made: the statement must reference it.
 */
function notifyEach(channel: string, source: string): string {
  const full = "json_build_object('executionId', s.execution_id, 'status', s.status)::text";
  const keyed =
    `json_build_object('status', s.status, 'prefix', ${keyPrefix("s.execution_id")}, ` +
    `'digest', md5(s.execution_id))::text`;
  return (
    `SELECT count(*) AS sent FROM (SELECT pg_notify('${channel}', CASE WHEN octet_length(m.payload) <= ` +
    `${MAX_PAYLOAD_BYTES} THEN m.payload ELSE m.keyed END) FROM ` +
    `(SELECT ${full} AS payload, ${keyed} AS keyed FROM ${source} s WHERE s.status <> 'running') m) sent`
  );
}

/** Builds the registry's statement texts for a store's options. */
export function buildRegistryStatements(o: ResolvedPostgresOptions): RegistryStatements {
  const e = o.qualifiedExecutionsTable;
  const channel = o.registryChannel;
  const byId = keyMatch("e.execution_id", "$1::text");
  const columns = recordColumns("r");
  // Locks the record `FOR UPDATE` before a statement changes it, so that a fenced save under way (`leaseHeld`) commits
  // first; the update waits for it with `AND EXISTS (SELECT 1 FROM lk)`.
  const lockFirst = `lk AS MATERIALIZED (SELECT 1 FROM ${e} e WHERE ${byId} FOR UPDATE OF e)`;
  return {
    // Inserted, or queued again, or neither: `cur` is the snapshot's record, from which the caller tells "existing"
    // from busy, or runs the statement again when a concurrent change made both writes find nothing (see registry.ts).
    enqueue:
      `WITH ${NOW}, ` +
      `ins AS (INSERT INTO ${e} (execution_id, status, graph_name, graph_version, attempts, input, input_key, ` +
      "created_at, updated_at) SELECT $1::text, 'queued', $2::text, $3::text, 0, $4::text, $5::text, t.now, t.now " +
      "FROM t ON CONFLICT DO NOTHING RETURNING *), " +
      `upd AS (UPDATE ${e} e SET status = 'queued', input = $4::text, input_key = $5::text, error = NULL, ` +
      `updated_at = t.now FROM t WHERE ${byId} AND e.input_key <> $5::text AND e.status IN ${REQUEUEABLE} ` +
      "RETURNING e.*), " +
      `cur AS (SELECT e.* FROM ${e} e WHERE ${byId}), ` +
      "changed AS (SELECT execution_id, status FROM ins UNION ALL SELECT execution_id, status FROM upd), " +
      `n AS MATERIALIZED (${notifyEach(channel, "changed")}), ` +
      "r AS (SELECT 0 AS source, * FROM ins UNION ALL SELECT 1, * FROM upd UNION ALL SELECT 2, * FROM cur) " +
      `SELECT r.source, ${columns} FROM r CROSS JOIN n ORDER BY r.source`,
    // Each branch walks its partial index in "claimable since" order, skipping rows another claim (or a fenced save)
    // holds, and locks at most `limit` rows; the oldest `limit` of both are claimed. The rows locked beyond them stay
    // locked only until the statement commits. The update finds the claimed rows through the key index (`keyedTo`).
    claim:
      `WITH ${NOW}, ` +
      "g AS (SELECT * FROM unnest($2::text[], $3::text[]) AS g(name, version)), " +
      // Expired leases first (rank 0): started executions, whose recovery must not wait behind the queue.
      "c AS (SELECT k.execution_id, row_number() OVER (ORDER BY k.rank, k.since, k.execution_id) AS n FROM (" +
      `SELECT * FROM (SELECT e.execution_id, 1 AS rank, e.updated_at AS since FROM ${e} e WHERE e.status = 'queued' ` +
      `AND ${SERVED} ` +
      "ORDER BY e.updated_at LIMIT $4::bigint FOR UPDATE OF e SKIP LOCKED) queued UNION ALL " +
      `SELECT * FROM (SELECT e.execution_id, 0, e.lease_expires_at FROM ${e} e WHERE e.status = 'running' ` +
      "AND e.lease_expires_at <= (SELECT now FROM t) " +
      `AND ${SERVED} ` +
      "ORDER BY e.lease_expires_at LIMIT $4::bigint FOR UPDATE OF e SKIP LOCKED) expired" +
      ") k ORDER BY k.rank, k.since, k.execution_id LIMIT $4::bigint), " +
      `r AS (UPDATE ${e} e SET status = 'running', owner = $1::text, lease_token = ($6::text[])[c.n], ` +
      "lease_expires_at = t.now + $5::bigint * interval '1 millisecond', attempts = e.attempts + 1, " +
      `updated_at = t.now FROM c, t WHERE ${keyedTo("c")} RETURNING e.*, c.n), ` +
      `n AS MATERIALIZED (${notifyEach(channel, "r")}) ` +
      `SELECT ${columns}, r.lease_token FROM r CROSS JOIN n ORDER BY r.n`,
    renew:
      "WITH t AS MATERIALIZED (SELECT date_trunc('milliseconds', clock_timestamp()) + " +
      "$3::bigint * interval '1 millisecond' AS expiry), " +
      "f AS (SELECT * FROM unnest($1::text[], $2::text[]) AS f(execution_id, token)), " +
      // `f` can hold every lease of a worker.
      `u AS (UPDATE ${e} e SET lease_expires_at = t.expiry FROM f, t WHERE ${keyedTo("f")} ` +
      "AND e.lease_token = f.token AND e.status = 'running' RETURNING e.execution_id) " +
      `SELECT ${ms("t.expiry")}, (SELECT coalesce(json_agg(f.execution_id), '[]')::text FROM f ` +
      "WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.execution_id = f.execution_id)) FROM t",
    // Locked first: a save of the holder's own that is still running on the server (its client gave up waiting after
    // commandTimeoutMs) commits before the release, not after it.
    release:
      `WITH ${NOW}, ${lockFirst}, ` +
      `r AS (UPDATE ${e} e SET status = $3::text, ${NO_LEASE}, ` +
      "error = CASE WHEN $3::text = 'failed' THEN $4::text END, updated_at = t.now FROM t " +
      `WHERE ${byId} AND e.lease_token = $2::text AND e.status = 'running' AND EXISTS (SELECT 1 FROM lk) ` +
      "RETURNING e.*), " +
      `n AS MATERIALIZED (${notifyEach(channel, "r")}) ` +
      `SELECT ${columns} FROM r CROSS JOIN n`,
    // Locked first: once the cancel is seen, no checkpoint of the run it stopped comes after it.
    cancel:
      `WITH ${NOW}, ${lockFirst}, ` +
      `upd AS (UPDATE ${e} e SET status = 'cancelled', ${NO_LEASE}, updated_at = t.now FROM t ` +
      `WHERE ${byId} AND e.status IN ${CANCELLABLE} AND EXISTS (SELECT 1 FROM lk) RETURNING e.*), ` +
      `cur AS (SELECT e.* FROM ${e} e WHERE ${byId}), ` +
      `n AS MATERIALIZED (${notifyEach(channel, "upd")}), ` +
      "r AS (SELECT 1 AS source, * FROM upd UNION ALL SELECT 2, * FROM cur) " +
      `SELECT r.source, ${columns} FROM r CROSS JOIN n ORDER BY r.source`,
    get: `SELECT ${columns} FROM ${e} r WHERE ${keyMatch("r.execution_id", "$1::text")}`,
    // The key index's prefix first: it orders like the ids themselves (`COLLATE "C"`), and the index can serve it.
    list:
      `SELECT ${columns} FROM ${e} r WHERE ${keyPrefix("r.execution_id")} >= ${keyPrefix("$1::text")} ` +
      "AND (r.execution_id > $1::text OR ($2::boolean AND r.execution_id = $1::text)) " +
      "AND ($3::text[] IS NULL OR r.status = ANY ($3::text[])) " +
      `ORDER BY ${keyPrefix("r.execution_id")}, r.execution_id LIMIT $4::bigint`,
    counts: `SELECT status, count(*)::float8 FROM ${e} GROUP BY status`,
    resolve:
      `SELECT execution_id FROM ${e} r WHERE ${keyPrefix("r.execution_id")} = $1::text ` +
      `AND ${keyDigest("r.execution_id")} = $2::text`,
    remove: `DELETE FROM ${e} e WHERE ${byId}`,
  };
}

/**
 * The condition a fenced save adds (`sql.ts`): the registry row of the lease's execution `execution` (the
 * checkpoint's, or the parent a subgraph runs under) holds the token `token` and is running, locked `FOR KEY SHARE`.
 * That lock keeps out the statements that end or move the lease — a claim, a release and a cancel lock the row
 * `FOR UPDATE` first, and `clear` deletes it — until the save commits, and lets a renewal (a plain update of the
 * expiry) go by: a heartbeat, which renews all of a worker's leases in one statement, never waits behind a save, nor
 * a save behind it.
 */
export function leaseHeld(o: ResolvedPostgresOptions, token: string, execution: string): string {
  return (
    `SELECT 1 FROM ${o.qualifiedExecutionsTable} e WHERE ${keyMatch("e.execution_id", execution)} ` +
    `AND e.lease_token = ${token} AND e.status = 'running' FOR KEY SHARE OF e`
  );
}
