import { chainStatements, type ChainStatements } from "./chain-sql.js";
import { KEY_PREFIX_CHARS, keyMatch, keyOrder, keyPrefix, shortKeyMatch } from "./keys.js";
import type { ResolvedPostgresOptions } from "./options.js";
import { leaseHeld } from "./registry-sql.js";
import { removalStatements, type RemovalStatements } from "./removal-sql.js";

/**
 * The SQL text of every statement the store runs, built once per store from validated, quoted identifiers.
 * Values always travel as parameters; nothing from a checkpoint is ever pasted into the text.
 *
 * Conventions that keep results independent of the client's own settings (an injected client may use
 * `transform: postgres.camel` or custom type parsers):
 * - rows are read with `.values()` (arrays, so column-name transforms do not matter);
 * - JSONB columns are read as `::text` and parsed by the store, JSONB parameters are sent as text
 *   (`$n::text::jsonb`), so the client's JSON serializer is never involved and JSON `null` stays JSON `null`;
 * - ids and execution ids are found through the key indexes of `keys.ts`, which hold ids of any length, in one of
 *   two forms (`shortKeyMatch` for all but the longest ids, `keyMatch` for any), with the index's own order spelled
 *   out (`keyOrder`) wherever rows come back sorted;
 * - timestamps are written as text PostgreSQL parses exactly (see `toTimestampText`) and read as epoch
 *   milliseconds (`round(extract(epoch …) * 1000)`: exact on PostgreSQL 14+, where `extract` is numeric, and
 *   rounded rather than truncated on older servers, where it is a double), so no time zone setting is involved.
 *
 * @packageDocumentation
 */

/** Positions of the columns in {@link CheckpointStatements.load}, `latest` and `list` rows. */
export const Col = {
  Id: 0,
  ExecutionId: 1,
  NodeName: 2,
  State: 3,
  Metadata: 4,
  TimestampMs: 5,
  Version: 6,
  ParentId: 7,
  Next: 8,
  Tasks: 9,
} as const;

/** Outcome codes returned by the classify statement. */
export const SaveOutcome = {
  /** A row with this id and identical content already exists: the save is a no-op. */
  Identical: 2,
  /** Another row holds the id or `(execution_id, version)` with different content. */
  Conflict: 3,
  /**
   * The row with this id is stored incrementally (a delta row, or a full row other rows were merged into): only its
   * state read back whole tells an identical re-save from a conflict.
   */
  Compare: 4,
} as const;

/**
 * The statements that find rows by one id or execution id ($1), in the two forms of `keys.ts`: the chain reads, the
 * removal transaction's statements, and the two below.
 */
export interface KeyedStatements extends ChainStatements, RemovalStatements {
  /** The execution of a visible checkpoint; param: id. */
  executionOf: string;
  /**
   * Saves a checkpoint as the changes from its parent `$11` (found by this form): the row (`kind` delta, `$12` its
   * item counts) and its items (`$13`, JSON `[[channel, idx, value], …]`), in one statement, only while the parent
   * row exists (locked `FOR KEY SHARE`, so that a removal cannot take it away underneath). Returns one row: whether
   * the parent was there, whether the row was inserted. Params `$1`-`$10` are the save's.
   */
  saveDelta: string;
  /**
   * `saveDelta` fenced by a lease (`$14` its token, `$15` its execution): it writes only while that registry row holds the
   * token, locked `FOR KEY SHARE` first; a third column counts that row (0: the lease is lost, nothing was written).
   */
  saveDeltaLeased: string;
}

/** Statement texts of one store instance. */
export interface CheckpointStatements {
  /** For ids and execution ids that pass `fitsKeyPrefix` (all but the longest): plans that settle. */
  short: KeyedStatements;
  /** For ids and execution ids of any length. */
  any: KeyedStatements;
  /**
   * Insert whose row count is 1 when it inserted and 0 otherwise; params: id, execution_id, node_name, state,
   * metadata, timestamp text, version, parent_id, next, tasks.
   */
  save: string;
  /**
   * `save` fenced by a lease (`$11` its token, `$12` its execution), in one statement: that registry row is locked `FOR KEY SHARE` and checked
   * first. One row: the count of that row (0: the lease is lost, nothing was written), the count of rows inserted.
   */
  saveLeased: string;
  /** Classifies a save that inserted nothing (identical re-save or conflict; see `SaveOutcome`) and tells whether the row is hidden; same params. */
  classify: string;
  /** The same for a save without its full state; params: id, execution_id, version. */
  classifyKey: string;
  /** Shows a hidden row again (an identical re-save of a deleted checkpoint later rows read through); param: id. */
  unhide: string;
  /**
   * `saveMany`'s insert: the save's columns as ten arrays (one element per checkpoint, in the save's parameter
   * order), inserted by one statement through `unnest`; the row count says how many rows were new.
   */
  saveBatch: string;
  /**
   * After `saveBatch` inserted fewer rows than it was given: per batch item (same params), in batch order, its
   * 1-based position, the number of rows holding its id or `(execution_id, version)`, whether they all hold its
   * exact content, whether the row with its id is stored incrementally, and whether it is hidden (see `BatchCol`).
   */
  classifyBatch: string;
  /** Page of executions after a bound (exclusive); params: cursor ('' = start), limit. */
  listExecutions: string;
  /** Page of executions from a bound (inclusive); params: bound, limit. */
  listExecutionsFrom: string;
  /** Liveness probe. */
  ping: string;
}

// A loose index scan over the prefix key of execution ids (`keys.ts`), whose order is the ids' own order: each step
// jumps to the next distinct prefix through the key index, so a page costs O(limit) index probes however many
// checkpoints each execution has. A prefix shorter than the key's length IS an execution id (one execution); a
// prefix of full length may also begin longer ids, which are listed in id order by reading that prefix's rows
// (only ids over 512 characters ever take that path). `op` compares execution ids with the bound ($1).
function executionsPage(t: string, op: ">" | ">="): string {
  const prefix = (alias: string): string => keyPrefix(`${alias}.execution_id`);
  return (
    `WITH RECURSIVE g(k) AS (` +
    `(SELECT ${prefix("f")} FROM ${t} f WHERE ${prefix("f")} >= ${keyPrefix("$1::text")} ORDER BY 1 LIMIT 1) ` +
    `UNION ALL SELECT (SELECT ${prefix("n")} FROM ${t} n WHERE ${prefix("n")} > g.k ORDER BY 1 LIMIT 1) ` +
    "FROM g WHERE g.k IS NOT NULL) " +
    'SELECT e.execution_id, l.version, round(extract(epoch from l."timestamp") * 1000)::float8 FROM g ' +
    `CROSS JOIN LATERAL (SELECT g.k AS execution_id WHERE char_length(g.k) < ${KEY_PREFIX_CHARS} AND g.k ${op} $1::text ` +
    `UNION ALL SELECT * FROM (SELECT DISTINCT x.execution_id FROM ${t} x WHERE char_length(g.k) = ${KEY_PREFIX_CHARS} ` +
    `AND ${prefix("x")} = g.k AND x.execution_id ${op} $1::text ORDER BY 1 LIMIT $2::bigint) ids) e ` +
    `CROSS JOIN LATERAL (SELECT version, "timestamp" FROM ${t} v WHERE ${keyMatch("v.execution_id", "e.execution_id")} AND NOT v.hidden ` +
    `ORDER BY ${keyOrder("v.execution_id", "DESC")}, v.version DESC LIMIT 1) l WHERE g.k IS NOT NULL LIMIT $2::bigint`
  );
}

type Match = (column: string, value: string) => string;

/**
 * `saveDelta`, and with `lease` (the fence's condition, `leaseHeld`) its fenced form: the registry row is locked
 * first (an uncorrelated EXISTS runs once, before the parent is read) and its count comes back third.
 */
function deltaSave(t: string, items: string, match: Match, lease?: string): string {
  const fence = lease === undefined ? "" : "AND EXISTS (SELECT 1 FROM l) ";
  return (
    (lease === undefined ? "WITH " : `WITH l AS (${lease}), `) +
    `p AS (SELECT 1 FROM ${t} pr WHERE ${match("pr.id", "$11::text")} AND pr.execution_id = $2::text ${fence}` +
    "FOR KEY SHARE OF pr), " +
    `ins AS (INSERT INTO ${t} AS c ${INSERT_COLUMNS.slice(0, -1)}, kind, chain_id, item_counts) ` +
    `SELECT ${valueList(SAVE_PARAMS)}, 'delta', $11::text, $12::text::jsonb FROM p ON CONFLICT DO NOTHING RETURNING 1), ` +
    `its AS (INSERT INTO ${items} (owner_id, version, channel, idx, value) ` +
    "SELECT $1::text, $7::bigint, e->>0, (e->>1)::int, e->2 FROM jsonb_array_elements($13::text::jsonb) e " +
    "WHERE EXISTS (SELECT 1 FROM ins)) " +
    "SELECT (SELECT count(*) FROM p)::int, (SELECT count(*) FROM ins)::int" +
    (lease === undefined ? "" : ", (SELECT count(*) FROM l)::int")
  );
}

/** The keyed statements of table `t` (items in `items`), finding rows with `match` (`keyMatch` or `shortKeyMatch`). */
function keyedStatements(o: ResolvedPostgresOptions, match: Match): KeyedStatements {
  const t = o.qualifiedTable;
  const items = o.qualifiedItemsTable;
  return {
    ...chainStatements(t, items, match),
    ...removalStatements(t, items, match("execution_id", "$1::text")),
    executionOf: `SELECT execution_id FROM ${t} WHERE ${match("id", "$1::text")} AND NOT hidden`,
    saveDelta: deltaSave(t, items, match),
    saveDeltaLeased: deltaSave(t, items, match, leaseHeld(o, "$14::text", "$15::text")),
  };
}

/** Positions of the columns in {@link CheckpointStatements.classifyBatch} rows. */
export const BatchCol = {
  /** 1-based position of the item in the batch. */
  Position: 0,
  /** Rows holding the item's id or `(execution_id, version)`. */
  Holders: 1,
  /** Whether every holder has the item's exact content (and is a full row without merged items). */
  Same: 2,
  /** Whether the row with the item's id is stored incrementally: compare it read back whole. */
  Compare: 3,
  /** Whether a holder is hidden. */
  Hidden: 4,
} as const;

/** The SQL expressions of one checkpoint's values being saved, typed as the table's columns. */
interface SavedValues {
  id: string;
  executionId: string;
  nodeName: string;
  state: string;
  metadata: string;
  timestamp: string;
  version: string;
  parentId: string;
  next: string;
  tasks: string;
}

// One checkpoint as the save's parameters.
const SAVE_PARAMS: SavedValues = {
  id: "$1::text",
  executionId: "$2::text",
  nodeName: "$3::text",
  state: "$4::text::jsonb",
  metadata: "$5::text::jsonb",
  timestamp: "$6::text::timestamptz",
  version: "$7::bigint",
  parentId: "$8::text",
  next: "$9::text::jsonb",
  tasks: "$10::text::jsonb",
};

// The same parameters as arrays, one element per checkpoint of a batch, read as rows of `b`.
const BATCH_ROWS =
  "unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], " +
  "$9::text[], $10::text[])";
const BATCH_COLUMNS = "id, execution_id, node_name, state, metadata, ts, version, parent_id, next, tasks";
const BATCH_VALUES: SavedValues = {
  id: "b.id",
  executionId: "b.execution_id",
  nodeName: "b.node_name",
  state: "b.state::jsonb",
  metadata: "b.metadata::jsonb",
  timestamp: "b.ts::timestamptz",
  version: "b.version",
  parentId: "b.parent_id",
  next: "b.next::jsonb",
  tasks: "b.tasks::jsonb",
};

const INSERT_COLUMNS = '(id, execution_id, node_name, state, metadata, "timestamp", version, parent_id, next, tasks)';

function valueList(v: SavedValues): string {
  return [
    v.id,
    v.executionId,
    v.nodeName,
    v.state,
    v.metadata,
    v.timestamp,
    v.version,
    v.parentId,
    v.next,
    v.tasks,
  ].join(", ");
}

// Row `c` holds exactly the content of `v`.
function sameContent(v: SavedValues): string {
  return (
    `c.id = ${v.id} AND c.execution_id = ${v.executionId} AND c.version = ${v.version} AND c.node_name = ${v.nodeName} ` +
    `AND c.state = ${v.state} AND c.metadata IS NOT DISTINCT FROM ${v.metadata} ` +
    `AND c."timestamp" = ${v.timestamp} AND c.parent_id IS NOT DISTINCT FROM ${v.parentId} ` +
    `AND c.next = ${v.next} AND c.tasks IS NOT DISTINCT FROM ${v.tasks}`
  );
}

// Row `c` holds the id or the (execution_id, version) of `v`, found through the key indexes.
function holders(v: Pick<SavedValues, "id" | "executionId" | "version">): string {
  return `((${keyMatch("c.id", v.id)}) OR (${keyMatch("c.execution_id", v.executionId)} AND c.version = ${v.version}))`;
}

// Row `c` is stored incrementally: a delta row, or a full row later rows were merged into.
const INCREMENTAL_ROW = "(c.kind <> 'full' OR c.item_counts IS NOT NULL)";

// Row `c` is the row of `v` (same id, execution and version); whether its content is the same is another question.
function sameKey(v: Pick<SavedValues, "id" | "executionId" | "version">): string {
  return `c.id = ${v.id} AND c.execution_id = ${v.executionId} AND c.version = ${v.version}`;
}

/** Builds the statement texts for a table. */
export function buildStatements(o: ResolvedPostgresOptions): CheckpointStatements {
  const t = o.qualifiedTable;
  const classifyRow =
    `CASE WHEN NOT (${sameKey(SAVE_PARAMS)}) THEN ${SaveOutcome.Conflict} ` +
    `WHEN ${INCREMENTAL_ROW} THEN ${SaveOutcome.Compare} ` +
    `WHEN ${sameContent(SAVE_PARAMS)} THEN ${SaveOutcome.Identical} ELSE ${SaveOutcome.Conflict} END`;
  const keyParams = { id: "$1::text", executionId: "$2::text", version: "$3::bigint" };
  return {
    short: keyedStatements(o, shortKeyMatch),
    any: keyedStatements(o, keyMatch),
    // ON CONFLICT DO NOTHING (no target) covers every unique index (the id key and the execution key), so the
    // unique indexes decide, atomically. A plain insert is the cheapest statement the server can run, so it is
    // the whole common path (one round trip). Only when it inserts nothing (a conflict or an identical re-save,
    // both rare) does `classify` read the row that won and compare it with the new content in SQL (JSONB to JSONB,
    // so key order and spacing do not matter). The outcome is the command's row count, not a RETURNING row:
    // RETURNING makes the server project the inserted tuple, which costs ~0.09 ms per save at 20 KB of state
    // (measured with one client, same parameters), a seventh of a whole save on a local server.
    save: `INSERT INTO ${t} AS c ${INSERT_COLUMNS} VALUES (${valueList(SAVE_PARAMS)}) ON CONFLICT DO NOTHING`,
    saveLeased:
      `WITH l AS (${leaseHeld(o, "$11::text", "$12::text")}), ` +
      `ins AS (INSERT INTO ${t} AS c ${INSERT_COLUMNS} SELECT ${valueList(SAVE_PARAMS)} WHERE EXISTS (SELECT 1 FROM l) ` +
      "ON CONFLICT DO NOTHING RETURNING 1) " +
      "SELECT (SELECT count(*) FROM l)::int, (SELECT count(*) FROM ins)::int",
    classify: `SELECT ${classifyRow}, c.hidden FROM ${t} c WHERE ${holders(SAVE_PARAMS)}`,
    classifyKey:
      `SELECT CASE WHEN ${sameKey(keyParams)} THEN ${SaveOutcome.Compare} ELSE ${SaveOutcome.Conflict} END, c.hidden ` +
      `FROM ${t} c WHERE ${holders(keyParams)}`,
    unhide: `UPDATE ${t} SET hidden = false WHERE ${keyMatch("id", "$1::text")} AND hidden`,
    // ON CONFLICT DO NOTHING also skips a row that an earlier row of the same statement inserted.
    saveBatch:
      `INSERT INTO ${t} AS c ${INSERT_COLUMNS} SELECT ${valueList(BATCH_VALUES)} ` +
      `FROM ${BATCH_ROWS} AS b(${BATCH_COLUMNS}) ON CONFLICT DO NOTHING`,
    classifyBatch:
      `SELECT b.ord, count(c.id), coalesce(bool_and(${sameContent(BATCH_VALUES)} AND NOT ${INCREMENTAL_ROW}), false), ` +
      `coalesce(bool_or(c.id = b.id AND ${INCREMENTAL_ROW}), false), coalesce(bool_or(c.hidden), false) ` +
      `FROM ${BATCH_ROWS} WITH ORDINALITY AS b(${BATCH_COLUMNS}, ord) ` +
      `LEFT JOIN ${t} c ON ${holders(BATCH_VALUES)} GROUP BY b.ord ORDER BY b.ord`,
    listExecutions: executionsPage(t, ">"),
    listExecutionsFrom: executionsPage(t, ">="),
    ping: "SELECT 1",
  };
}
