import { keyMatch, keyOrder } from "./keys.js";

/**
 * The statements that read checkpoints whole from an incremental table (docs/incremental-checkpoints.md): each one
 * returns, in ONE statement, the rows asked for and every row their state is read through, each with the items it
 * owns, whatever the length of the chains.
 *
 * - A chain is walked with `WITH RECURSIVE` over `chain_id`, from a delta row up to the nearest full row. Each step
 *   must go to a lower version of the same execution, so a damaged link can neither loop nor leave the execution;
 *   a chain that stops before a full row is reported by the decoder (`foldChain`) as corrupt.
 * - The items of a row come with it, as one JSON array of `[channel, value]` pairs in (channel, version, idx) order
 *   (`json_agg` of the rows of `<table>_items` it owns); rows without `item_counts` own none and skip the lookup.
 * - One checkpoint (load, latest): the walk carries the rows themselves (`UNION ALL`: a chain visits each row once).
 * - Many (list): the listed rows are read once; the walk then collects their ancestors as ids (`UNION` drops the rows
 *   already found, so a linear history costs one lookup per row, not one chain per row) and reads only the ancestors
 *   that are not listed themselves.
 *
 * Rows come back unordered with a flag telling which were asked for (see {@link ChainCol}); the store orders them.
 *
 * @packageDocumentation
 */

/** Positions of the columns of plain rows (`plainAsc`). */
export const PlainCol = {
  Id: 0,
  Version: 1,
  /** The checkpoint's JSON text, in the layout `serializedCheckpointText` (core) writes. */
  Text: 2,
  /** Whether the text may be handed out as it is (see {@link plainOk}). */
  Ok: 3,
} as const;

/**
 * The checkpoint's JSON text of row `c`, as `rowToSerialized` (rows.ts) splices it from the columns, spliced by the
 * server: strings quoted by `to_json`, the JSONB columns' text pasted as it is.
 */
const PLAIN_TEXT =
  `'{"id":' || to_json(c.id)::text || ',"executionId":' || to_json(c.execution_id)::text || ',"nodeName":' || ` +
  `to_json(c.node_name)::text || ',"state":' || c.state::text || ',"metadata":' || coalesce(c.metadata::text, '{}') || ` +
  `',"timestamp":' || CASE WHEN isfinite(c."timestamp") THEN round(extract(epoch from c."timestamp") * 1000)::bigint::text ` +
  `ELSE 'null' END || ',"version":' || ` +
  `c.version::text || ',"parentId":' || coalesce(to_json(c.parent_id)::text, 'null') || ',"next":' || ` +
  `c.next::text || ',"tasks":' || coalesce(c.tasks::text, 'null') || '}'`;

/**
 * Whether the text of row `c` is what the chain read hands out for it: a full row recording no items (nothing is
 * folded into it), a version `list` accepts, metadata an object, a finite time, and no JSONB column holding a `$lg`
 * key at its top (the wrapper of a value JSONB cannot hold has one, and the chain read unwraps it; a state that is a
 * tagged value has one too, and only takes the longer way). Checked on the JSONB values, without writing any of them
 * as text.
 */
function plainOk(c: string): string {
  const noTopTag = ["state", "metadata", "next", "tasks"].map(
    (column) => `NOT coalesce(jsonb_exists(${c}.${column}, '$lg'), false)`,
  );
  return (
    `(${c}.kind = 'full' AND ${c}.item_counts IS NULL AND ${c}.version BETWEEN 1 AND ${Number.MAX_SAFE_INTEGER} ` +
    `AND (${c}.metadata IS NULL OR jsonb_typeof(${c}.metadata) = 'object') AND isfinite(${c}."timestamp") ` +
    `AND ${noTopTag.join(" AND ")})`
  );
}

/** Positions of the columns of chain rows (the first ten are those of `Col` in `sql.ts`). */
export const ChainCol = {
  /** `'full'` or `'delta'`. */
  Kind: 10,
  /** The row's item counts per channel, JSON text, or NULL. */
  Counts: 11,
  /** The row's items as JSON text of `[channel, value]` pairs, or NULL. */
  Items: 12,
  /** Whether the row was asked for (rather than read through). */
  Listed: 13,
  /** The row the delta row continues. */
  ChainId: 14,
  /** Whether the row is hidden. */
  Hidden: 15,
} as const;

type Match = (column: string, value: string) => string;

/** The read statements of one table, finding rows by `$1` with `match` (`keyMatch` or `shortKeyMatch`). */
export interface ChainStatements {
  /** One visible checkpoint with its chain; param: id. */
  load: string;
  /** One row with its chain, hidden or not (a re-save compares with it); param: id. */
  loadAny: string;
  /** The newest visible checkpoint with its chain; param: execution_id. */
  latest: string;
  /** Visible checkpoints with their chains; params: execution_id, after, before, limit (NULL = all). */
  listAsc: string;
  /** The same, the newest first (for `limit`). */
  listDesc: string;
  /**
   * Visible checkpoints read as they are, without following any chain, for `listSerialized`: each row's id, version,
   * the JSON text of its encoded checkpoint built by the server, and whether that text may be handed out (see
   * {@link PlainCol}); same params as `listAsc`. A page whose rows may all be handed out is what the chain statement
   * would give.
   */
  plainAsc: string;
  /** The same, the newest first. */
  plainDesc: string;
  /** Visible checkpoints without state or items, ascending; same params as `listAsc`. */
  headersAsc: string;
  /** The same, descending. */
  headersDesc: string;
}

const TIMESTAMP_MS = (alias: string): string => `round(extract(epoch from ${alias}."timestamp") * 1000)::float8`;

/**
 * The ten columns of `Col` for rows aliased `x`, with `state` as `state` (text or NULL). The columns only a checkpoint
 * handed out needs (all but id, state and version) are NULL where `asked` is false: a row read through contributes
 * its state and items only, and a long chain then costs no metadata to convert, send and skip.
 */
function headColumns(x: string, state: string, asked = "true"): string {
  const only = (column: string): string => (asked === "true" ? column : `CASE WHEN ${asked} THEN ${column} END`);
  return (
    `${x}.id, ${only(`${x}.execution_id`)}, ${only(`${x}.node_name`)}, ${state}, ${only(`${x}.metadata::text`)}, ` +
    `${only(TIMESTAMP_MS(x))}, ${x}.version, ${only(`${x}.parent_id`)}, ${only(`${x}.next::text`)}, ` +
    `${only(`${x}.tasks::text`)}`
  );
}

/** Builds the chain statements of table `t` with items table `items`. */
export function chainStatements(t: string, items: string, match: Match): ChainStatements {
  const itemsOf = (x: string): string =>
    `(SELECT json_agg(json_build_array(i.channel, i.value) ORDER BY i.channel, i.version, i.idx)::text ` +
    `FROM ${items} i WHERE ${x}.item_counts IS NOT NULL AND ${keyMatch("i.owner_id", `${x}.id`)})`;
  const out = (x: string, listed: string): string =>
    `${headColumns(x, `${x}.state::text`, listed)}, ${x}.kind, ${x}.item_counts::text, ${itemsOf(x)}, ${listed}, ` +
    `${x}.chain_id, ${x}.hidden`;
  // The parent `p` of chain row `chain`: a lower version of the same execution.
  const parentOfChain =
    `JOIN ${t} p ON ${keyMatch("p.id", "chain.chain_id")} AND p.execution_id = chain.execution_id ` +
    "AND p.version < chain.version WHERE chain.kind = 'delta'";
  const one = (anchor: string): string =>
    `WITH RECURSIVE chain AS (${anchor} UNION ALL SELECT p.*, chain.depth + 1 FROM chain ${parentOfChain}) ` +
    `SELECT ${out("chain", "chain.depth = 0")} FROM chain`;
  const ofExecution = match("c.execution_id", "$1::text");
  const byVersion = (direction: "ASC" | "DESC"): string =>
    `ORDER BY ${keyOrder("c.execution_id", direction)}, c.version ${direction}`;
  const inRange = `${ofExecution} AND NOT c.hidden AND c.version > $2::bigint AND c.version < $3::bigint`;
  const many = (direction: "ASC" | "DESC"): string =>
    `WITH RECURSIVE listed AS (SELECT c.* FROM ${t} c WHERE ${inRange} ${byVersion(direction)} LIMIT $4::bigint), ` +
    "chain(id, chain_id, kind, version, execution_id) AS (" +
    "SELECT id, chain_id, kind, version, execution_id FROM listed UNION " +
    `SELECT p.id, p.chain_id, p.kind, p.version, p.execution_id FROM chain ${parentOfChain}) ` +
    `SELECT ${out("l", "true")} FROM listed l UNION ALL ` +
    `SELECT ${out("r", "false")} FROM chain JOIN ${t} r ON ${keyMatch("r.id", "chain.id")} ` +
    "WHERE NOT EXISTS (SELECT 1 FROM listed l WHERE l.id = chain.id)";
  const plain = (direction: "ASC" | "DESC"): string =>
    `SELECT c.id, c.version, ${PLAIN_TEXT}, ${plainOk("c")} FROM ${t} c ` +
    `WHERE ${inRange} ${byVersion(direction)} LIMIT $4::bigint`;
  const headers = (direction: "ASC" | "DESC"): string =>
    `SELECT ${headColumns("c", "NULL::text")} FROM ${t} c WHERE ${inRange} ${byVersion(direction)} LIMIT $4::bigint`;
  return {
    load: one(`SELECT c.*, 0 AS depth FROM ${t} c WHERE ${match("c.id", "$1::text")} AND NOT c.hidden`),
    loadAny: one(`SELECT c.*, 0 AS depth FROM ${t} c WHERE ${match("c.id", "$1::text")}`),
    latest: one(
      `(SELECT c.*, 0 AS depth FROM ${t} c WHERE ${ofExecution} AND NOT c.hidden ${byVersion("DESC")} LIMIT 1)`,
    ),
    listAsc: many("ASC"),
    listDesc: many("DESC"),
    plainAsc: plain("ASC"),
    plainDesc: plain("DESC"),
    headersAsc: headers("ASC"),
    headersDesc: headers("DESC"),
  };
}
