/**
 * SQL fragments over PostgreSQL's catalog (`pg_index` rows aliased `i`), shared by the adoption check and the
 * migration that replaces the keys.
 *
 * @packageDocumentation
 */

/**
 * An index `i` that can decide conflicts: unique, valid, checked at once (ON CONFLICT refuses deferrable unique
 * constraints), on plain columns, not partial.
 */
export const DECIDING_INDEX =
  "i.indisunique AND i.indisvalid AND i.indimmediate AND i.indpred IS NULL AND i.indexprs IS NULL";

/** The key column names of index `i`, in order, as `text[]` (INCLUDE columns left out). */
export const INDEX_KEY_COLUMNS =
  "ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o) JOIN pg_attribute a " +
  "ON a.attrelid = i.indrelid AND a.attnum = k.n WHERE k.o <= i.indnkeyatts ORDER BY k.o)";
