import type { StoreStats } from "@lg/core";

/**
 * `stats()` without reading the table once it is large: PostgreSQL's own statistics (`pg_class.reltuples`, and
 * `n_distinct` of `execution_id` in `pg_stats`, both kept by ANALYZE and autovacuum) give the counts, scaled the way
 * the planner scales them to the table's current size. A small table is still counted exactly.
 *
 * @packageDocumentation
 */

/**
 * Tables up to this many pages of 8 KiB (8 MiB, some 7,000 checkpoints of 1 KB) are counted exactly: two counts
 * over them take a few milliseconds, and estimates of a small, young table are the least reliable.
 */
export const EXACT_STATS_MAX_PAGES = 1024;

/**
 * One row from the catalog: `reltuples` and `relpages` as of the last ANALYZE or VACUUM (-1 and 0 before either),
 * the main fork's current size in pages, `n_distinct` of `execution_id` (NULL before ANALYZE; negative: a fraction
 * of the rows) and the total size with indexes and TOAST, the items table's included. Params: the qualified table
 * name, its schema, its name, the qualified items table name.
 */
export function catalogStatsSql(): string {
  return (
    "SELECT c.reltuples::float8, c.relpages::float8, " +
    "(pg_relation_size(c.oid) / current_setting('block_size')::int)::float8, " +
    "(SELECT s.n_distinct::float8 FROM pg_stats s WHERE s.schemaname = $2::text AND s.tablename = $3::text " +
    "AND s.attname = 'execution_id' LIMIT 1), " +
    "(pg_total_relation_size(c.oid) + coalesce(pg_total_relation_size(to_regclass($4::text)), 0))::float8 " +
    "FROM pg_class c WHERE c.oid = to_regclass($1::text)"
  );
}

/**
 * The exact counts: two aggregates over the whole table (hidden rows, kept only for the rows that read through them,
 * are no checkpoints), and the total size of the table and of its items table.
 */
export function exactStatsSql(table: string, items: string): string {
  const size = (name: string): string =>
    `coalesce(pg_total_relation_size(to_regclass('${name.replace(/'/g, "''")}')), 0)`;
  return (
    "SELECT (count(*) FILTER (WHERE NOT hidden))::float8, " +
    "(count(DISTINCT execution_id) FILTER (WHERE NOT hidden))::float8, " +
    `(${size(table)} + ${size(items)})::float8 FROM ${table}`
  );
}

/**
 * Estimates from a {@link catalogStatsSql} row, or `undefined` when the table must be counted exactly: it is small,
 * it has never been analyzed, or it is partitioned (its parent holds no rows and no statistics of its own).
 */
export function estimateStats(row: readonly unknown[] | undefined): StoreStats | undefined {
  if (row === undefined) return undefined;
  const [reltuples, relpages, pagesNow, nDistinct, bytes] = row.map((value) =>
    value === null ? undefined : Number(value),
  );
  if (reltuples === undefined || relpages === undefined || pagesNow === undefined || nDistinct === undefined) {
    return undefined;
  }
  if (reltuples < 0 || relpages <= 0 || pagesNow <= EXACT_STATS_MAX_PAGES) return undefined;
  // The planner's own scaling: rows per page at the last ANALYZE times the pages the table has now.
  const checkpoints = Math.round((reltuples / relpages) * pagesNow);
  const executions = Math.round(nDistinct >= 0 ? nDistinct : -nDistinct * checkpoints);
  return { checkpoints, executions: Math.min(executions, checkpoints), bytes: bytes ?? 0, estimated: true };
}
