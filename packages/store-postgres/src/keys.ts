/**
 * The index keys that let the table hold ids and execution ids of any length.
 *
 * A btree index entry must fit in about a third of a page (2 704 bytes with 8 KB pages); a plain index on `id` or
 * `(execution_id, version)` makes the server refuse longer values (SQLSTATE 54000). The keys instead index two
 * expressions of each id:
 * - its first {@link KEY_PREFIX_CHARS} characters (`left(id, 512)`, the whole id for any id of at most 512
 *   characters), which sort in the same order as the ids themselves (`COLLATE "C"`, code point order), so the
 *   execution scan of `listExecutions` still walks the index in order;
 * - `''` for such ids, and `md5(id)` of longer ones, so that two long ids sharing their first 512 characters get
 *   different keys. A unique index on the two therefore stays exact for ids of at most 512 characters, and for
 *   longer ones two ids collide only when an MD5 collision was crafted for them (a second preimage of an existing
 *   id is out of reach): the one who chose both ids gets a conflict, nobody else. Lookups of long ids also
 *   compare the column itself, so a read never returns another id's row. `md5(text)` is used because it is IMMUTABLE, as an
 *   index expression must be (`sha256` takes `bytea`, and `convert_to` is only STABLE); it is computed only for
 *   ids longer than 512 characters.
 *
 * 512 characters take at most 2 048 bytes in UTF-8, which with the digest, the version and the entry's header
 * stays below the limit. Migration 3 builds its indexes from these expressions and every statement matches them
 * textually (that is how PostgreSQL picks an expression index), so they must never change.
 *
 * @packageDocumentation
 */

/** Characters of an id kept as they are in its index key; longer ids add a digest of the whole id. */
export const KEY_PREFIX_CHARS = 512;

/** The first key expression of the id (or execution id) `expr`: its first {@link KEY_PREFIX_CHARS} characters. */
export function keyPrefix(expr: string): string {
  return `left(${expr}, ${KEY_PREFIX_CHARS})`;
}

/** The second key expression: `''` for ids of at most {@link KEY_PREFIX_CHARS} characters, `md5(id)` beyond. */
export function keyDigest(expr: string): string {
  return `(CASE WHEN char_length(${expr}) > ${KEY_PREFIX_CHARS} THEN md5(${expr}) ELSE '' END)`;
}

/** The key expressions of a column, as index columns (`CREATE INDEX … (<here>)`). */
export function keyColumns(column: string): string {
  return `${keyPrefix(column)}, ${keyDigest(column)}`;
}

/**
 * A condition matching the rows whose `column` equals `value` through the column's key index, exactly. For a value
 * of at most {@link KEY_PREFIX_CHARS} characters the two keys already say it (the prefix is the whole id, and the
 * empty digest excludes longer ids); only longer values compare the column itself. The comparison is written so
 * that it folds away for a short value: as a plain extra filter, the planner counts it as more selectivity,
 * expects one row, and prefers reading a whole history through a bitmap scan and sorting it over walking the index.
 */
export function keyMatch(column: string, value: string): string {
  return (
    `${keyPrefix(column)} = ${keyPrefix(value)} AND ${keyDigest(column)} = ${keyDigest(value)} ` +
    `AND (char_length(${value}) <= ${KEY_PREFIX_CHARS} OR ${column} = ${value})`
  );
}

/**
 * The same condition for a `value` known to be at most {@link KEY_PREFIX_CHARS} characters long (see
 * {@link fitsKeyPrefix}): equality on the two index columns and nothing else, so the planner estimates it from the
 * index's statistics alike with or without the value. That lets a prepared statement settle on its generic plan;
 * with {@link keyMatch}, whose estimate depends on the value, PostgreSQL finds the generic plan costlier and plans
 * every execution anew (measured: `latest` 1.3x the raw driver instead of 1.05x).
 */
export function shortKeyMatch(column: string, value: string): string {
  return `${keyPrefix(column)} = ${value} AND ${keyDigest(column)} = ''`;
}

/**
 * Whether `value` surely has at most {@link KEY_PREFIX_CHARS} characters in the server's count, whatever the
 * database encoding: its UTF-8 form has at most that many bytes, and no encoding counts more characters than UTF-8
 * has bytes (SQL_ASCII counts bytes). Ids that fail it may still be short; they take the general statements.
 */
export function fitsKeyPrefix(value: string): boolean {
  // Each UTF-16 code unit takes at most 3 bytes of UTF-8, so short strings need no byte count.
  return value.length * 3 <= KEY_PREFIX_CHARS || Buffer.byteLength(value, "utf8") <= KEY_PREFIX_CHARS;
}

/**
 * `ORDER BY` items that follow the key index of `column`. Ordering by the key (constant within one id) before
 * `version` lets the planner see that the index already returns rows in that order; with `ORDER BY version`
 * alone it may estimate one row (the exact comparison counts as a further filter) and sort a whole history.
 */
export function keyOrder(column: string, direction: "ASC" | "DESC"): string {
  return `${keyPrefix(column)} ${direction}, ${keyDigest(column)} ${direction}`;
}
