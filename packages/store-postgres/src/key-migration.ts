import { INDEX_KEY_COLUMNS } from "./catalog.js";
import { keyColumns } from "./keys.js";
import type { ResolvedPostgresOptions } from "./options.js";

/**
 * The statement of migration 3: replaces the plain unique keys on `id` and `(execution_id, version)`, which refuse
 * ids over ~2.7 KB, with unique indexes on the key expressions of `keys.ts`.
 *
 * One `DO` block, so that it adapts to the table it finds, inside the migration's transaction:
 * - A plain table gets `idx_<table>_id_key` and `idx_<table>_exec_key` (UNIQUE), then loses every plain unique key
 *   on exactly `(id)` or `(execution_id, version)`: the primary key and `idx_<table>_execution_id` of migration 1,
 *   or what an adopted table had in their place. Such a key would go on refusing long ids, and the new indexes
 *   enforce the same uniqueness. They are created before the old keys go, in one transaction, so no moment runs
 *   without them. They are created `IF NOT EXISTS`, and the block then checks that both are valid unique indexes
 *   of this table: an index of that name on another table would otherwise be skipped, and the old keys dropped
 *   with nothing in their place.
 * - A partitioned table cannot have them: a unique index there must hold the partition key as a plain column. It
 *   keeps its own keys (and with them the ~2.7 KB limit, reported as `InvalidArgumentError`) and gets the two
 *   indexes as plain ones, which serve the same lookups and the execution scan.
 *
 * A foreign key of another table that references the primary key makes the block fail (PostgreSQL will not drop
 * a key something depends on); nothing is changed then, and the error names the constraint.
 */
export function replaceKeysStatement(o: ResolvedPostgresOptions): string {
  const t = o.qualifiedTable;
  const indexes = (unique: string): string =>
    `CREATE ${unique}INDEX IF NOT EXISTS ${o.quotedIdKeyIndex} ON ${t} (${keyColumns("id")});\n` +
    `  CREATE ${unique}INDEX IF NOT EXISTS ${o.quotedExecutionKeyIndex} ON ${t} (${keyColumns("execution_id")}, version);`;
  // Identifiers are validated to letters, digits and `_`, so they can sit inside these string literals as they are.
  const keyIndexes = `to_regclass('${o.quotedSchema}.${o.quotedIdKeyIndex}'), to_regclass('${o.quotedSchema}.${o.quotedExecutionKeyIndex}')`;
  return `DO $lg$
DECLARE
  target CONSTANT regclass := '${t}'::regclass;
  old record;
BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = target) = 'p' THEN
  ${indexes("")}
    RETURN;
  END IF;
  ${indexes("UNIQUE ")}
  IF (SELECT count(*) FROM pg_index i WHERE i.indexrelid IN (${keyIndexes}) AND i.indrelid = target
      AND i.indisunique AND i.indisvalid) <> 2 THEN
    RAISE EXCEPTION '% or % is not a valid unique index of %: rename the index of that name',
      '${o.quotedIdKeyIndex}', '${o.quotedExecutionKeyIndex}', target;
  END IF;
  FOR old IN
    SELECT i.indexrelid::regclass AS index, c.conname
    FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
      AND c.contype IN ('p', 'u')
    WHERE i.indrelid = target AND i.indisunique AND i.indexprs IS NULL AND i.indpred IS NULL
      AND ${INDEX_KEY_COLUMNS} IN (ARRAY['id'], ARRAY['execution_id', 'version'])
  LOOP
    IF old.conname IS NOT NULL THEN
      EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', target, old.conname);
    ELSE
      EXECUTE format('DROP INDEX %s', old.index);
    END IF;
  END LOOP;
END
$lg$`;
}
