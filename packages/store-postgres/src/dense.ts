import type postgres from "postgres";

/**
 * The rows of a result as a dense array. postgres.js (3.4.x: porsager/postgres#1119, #1181) counts a result's rows in
 * a counter of the connection that only a completed statement resets: when a statement fails while its rows are
 * arriving (its connection terminated, a statement timeout, an error in a row's expression), the next statement on
 * that connection stores its rows from the stale count on, and resolves with that many holes before them. Its rows
 * are whole and in order; read as they come, the holes would make a `latest` or a registry record look missing.
 * The holes are always the leading ones, so the first index tells. Reads inside a transaction need no such care: the
 * completed `BEGIN` resets the counter, and a failed statement ends the transaction.
 */
export function dense<Row>(rows: readonly Row[]): Row[] {
  // `filter` skips holes; a result without any is returned as it is.
  return rows.length === 0 || 0 in rows ? (rows as Row[]) : rows.filter(() => true);
}

/**
 * Runs a statement outside a transaction (a catalog read, the migration lock) and returns its rows as arrays,
 * {@link dense}: the one way adoption and migrations read rows.
 */
export async function denseValues(sql: postgres.Sql, text: string, params: string[] = []): Promise<unknown[][]> {
  return dense(await sql.unsafe(text, params).values());
}
