import { StoreUnavailableError } from "@lg/core";
import type postgres from "postgres";
import { DECIDING_INDEX, INDEX_KEY_COLUMNS } from "./catalog.js";
import { denseValues } from "./dense.js";
import type { ResolvedPostgresOptions } from "./options.js";

/**
 * The check `setup()` runs before the first migration of a table: what the migrations would create only
 * `IF NOT EXISTS` (the table, its indexes, the `tasks` column and migration 5's columns) must either be missing or already be what they
 * would have created.
 *
 * A table that is there before any migration was recorded was made by someone else. It is adopted only when it
 * has the store's layout: every column with its type and NOT NULL constraint, and a unique key on `id` (the
 * README's partitioning recipe creates such a table on purpose). Anything else, such as the seed design's Go table
 * (no `parent_id`, no `next`, a NON-unique `idx_checkpoints_execution_id`), is refused: adopting it would fail on
 * the first save, or, with the columns added by hand, silently run without the unique index that decides version
 * conflicts. The index names are checked as well, table or not: an index keeps its name when its table is renamed,
 * and `CREATE INDEX IF NOT EXISTS` would then skip ours.
 *
 * @packageDocumentation
 */

/**
 * Column name, type as `format_type` prints it, the collation it needs (empty: any), and whether it must be NOT NULL
 * (as in migration 1's CREATE TABLE, where `id` is NOT NULL as the primary key).
 */
const COLUMNS: readonly (readonly [string, string, string, boolean])[] = [
  ["id", "text", "", true],
  ["execution_id", "text", "C", true],
  ["node_name", "text", "", true],
  ["state", "jsonb", "", true],
  ["metadata", "jsonb", "", false],
  ["timestamp", "timestamp with time zone", "", true],
  ["version", "integer|bigint", "", true],
  ["parent_id", "text", "", false],
  ["next", "jsonb", "", true],
];

/** Columns later migrations add `IF NOT EXISTS`: a table may lack them, but one it has must be of this kind. */
const LATER_COLUMNS: readonly (readonly [string, string, string, boolean])[] = [
  ["tasks", "jsonb", "", false],
  // Migration 5's (incremental checkpoints).
  ["kind", "text", "", true],
  ["hidden", "boolean", "", true],
  ["chain_id", "text", "", false],
  ["item_counts", "jsonb", "", false],
];

type Conn = postgres.ReservedSql;

async function columnProblems(conn: Conn, table: string): Promise<string[]> {
  const rows = await denseValues(
    conn,
    "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), coalesce(c.collname::text, ''), a.attnotnull " +
      "FROM pg_attribute a LEFT JOIN pg_collation c ON c.oid = a.attcollation " +
      "WHERE a.attrelid = to_regclass($1::text) AND a.attnum > 0 AND NOT a.attisdropped",
    [table],
  );
  const found = new Map(
    rows.map((row) => [String(row[0]), [String(row[1]), String(row[2]), row[3] === true] as const]),
  );
  const problems: string[] = [];
  const required = new Set(COLUMNS.map(([name]) => name));
  for (const [name, type, collation, notNull] of [...COLUMNS, ...LATER_COLUMNS]) {
    const column = found.get(name);
    if (column === undefined) {
      if (required.has(name)) problems.push(`column ${name} is missing`);
    } else if (!type.split("|").includes(column[0]))
      problems.push(`column ${name} is ${column[0]}, not ${type.replace("|", " or ")}`);
    else if (collation !== "" && column[1] !== collation) problems.push(`column ${name} is not COLLATE "${collation}"`);
    else if (notNull && !column[2]) problems.push(`column ${name} allows NULL`);
  }
  return problems;
}

/**
 * Problems with what keeps ids unique. Migration 1 makes `id` the primary key: without a unique index on exactly
 * `(id)`, a save of an id another execution holds would add a second row, and `load(id)` would return either. A
 * partitioned table cannot have one (a unique index there must include the partition key), so on such a table
 * `(execution_id, id)` is accepted as the closest there is: the README's recipe, partitioned by hash of
 * `execution_id`, where ids are unique per execution only.
 */
async function idKeyProblems(conn: Conn, table: string, partitioned: boolean): Promise<string[]> {
  const rows = await denseValues(
    conn,
    `SELECT array_to_json(${INDEX_KEY_COLUMNS}) FROM pg_index i WHERE i.indrelid = to_regclass($1::text) AND ${DECIDING_INDEX}`,
    [table],
  );
  const keys = rows.map((row) => [...((row[0] as string[] | null) ?? [])].sort().join(","));
  if (keys.includes("id") || (partitioned && keys.includes("execution_id,id"))) return [];
  return [
    `no valid PRIMARY KEY or UNIQUE index on (id)${partitioned ? " or, partitioned, on (execution_id, id)" : ""}`,
  ];
}

/** Problems with the relation called `index` (schema-qualified, quoted), if one exists. */
async function indexProblems(conn: Conn, o: ResolvedPostgresOptions, index: string, unique: boolean) {
  const [row] = await denseValues(
    conn,
    `SELECT c.relkind::text, i.indrelid = to_regclass($2::text), ${DECIDING_INDEX}, array_to_json(${INDEX_KEY_COLUMNS}) ` +
      "FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid WHERE c.oid = to_regclass($1::text)",
    [`${o.quotedSchema}.${index}`, o.qualifiedTable],
  );
  if (row === undefined) return [];
  const [kind, onTable, plainUnique, columns] = row as [string, boolean | null, boolean | null, string[] | null];
  const where = `${o.quotedSchema}.${index}`;
  if (kind !== "i" && kind !== "I") return [`${where} already exists and is not an index`];
  if (onTable !== true) return [`index ${where} already exists on another table (rename or drop it)`];
  if (unique && (plainUnique !== true || (columns ?? []).join(",") !== "execution_id,version")) {
    return [`index ${where} is not a valid UNIQUE index on (execution_id, version)`];
  }
  return [];
}

/**
 * Throws `StoreUnavailableError` unless the table and index names migration 1 uses are free, or hold exactly
 * what it would create. Runs under the migration lock, before anything is created.
 */
export async function assertAdoptable(conn: Conn, o: ResolvedPostgresOptions): Promise<void> {
  const [table] = await denseValues(
    conn,
    "SELECT c.relkind::text FROM pg_class c WHERE c.oid = to_regclass($1::text)",
    [o.qualifiedTable],
  );
  const problems: string[] = [];
  if (table !== undefined) {
    if (table[0] === "r" || table[0] === "p") {
      problems.push(...(await columnProblems(conn, o.qualifiedTable)));
      problems.push(...(await idKeyProblems(conn, o.qualifiedTable, table[0] === "p")));
    } else problems.push("it is not a table");
  }
  problems.push(...(await indexProblems(conn, o, o.quotedExecutionIndex, true)));
  problems.push(...(await indexProblems(conn, o, o.quotedTimestampIndex, false)));
  // Migration 3's key indexes, created IF NOT EXISTS as well (it checks itself that they turned out unique).
  problems.push(...(await indexProblems(conn, o, o.quotedIdKeyIndex, false)));
  problems.push(...(await indexProblems(conn, o, o.quotedExecutionKeyIndex, false)));
  if (problems.length === 0) return;
  const what =
    table === undefined
      ? `setup() cannot create ${o.qualifiedTable}: `
      : `${o.qualifiedTable} already exists but was not created by setup() (no version recorded in ` +
        `${o.qualifiedMigrationsTable}), and it does not have the layout of @lg/store-postgres: `;
  throw new StoreUnavailableError(
    `${what}${problems.join("; ")}. Choose another tableName or schema, or rename the existing table and its ` +
      "indexes and copy the rows into the table setup() then creates.",
  );
}
