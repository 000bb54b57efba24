import type { JsonValue } from "@lg/core/store";
import type postgres from "postgres";

/**
 * The README's SQL that folds a checkpoint's full state by hand (section "Incremental checkpoints"), run here so that
 * the README stays right. Returns the encoded state (`encodeValue`'s form) of checkpoint `id`.
 */
export const FOLD_BY_HAND_SQL = `
WITH RECURSIVE chain AS (
  SELECT id, kind, chain_id, state, 0 AS depth FROM checkpoints WHERE id = $1
  UNION ALL
  SELECT p.id, p.kind, p.chain_id, p.state, chain.depth + 1
  FROM chain JOIN checkpoints p ON left(p.id, 512) = left(chain.chain_id, 512) AND p.id = chain.chain_id
  WHERE chain.kind = 'delta'
),
whole AS (
  SELECT DISTINCT ON (w.key) w.key, w.value, chain.depth
  FROM chain, jsonb_each(chain.state) w ORDER BY w.key, chain.depth
),
appended AS (
  SELECT i.channel, jsonb_agg(i.value ORDER BY i.version, i.idx) AS items
  FROM chain JOIN checkpoints_items i ON left(i.owner_id, 512) = left(chain.id, 512) AND i.owner_id = chain.id
  LEFT JOIN whole ON whole.key = i.channel
  WHERE whole.depth IS NULL OR chain.depth <= whole.depth
  GROUP BY i.channel
)
SELECT jsonb_object_agg(coalesce(whole.key, appended.channel),
         CASE WHEN appended.items IS NULL THEN whole.value
              ELSE coalesce(whole.value, '[]') || appended.items END) AS state
FROM whole FULL JOIN appended ON appended.channel = whole.key`;

/** Runs {@link FOLD_BY_HAND_SQL} in `schema`. */
export async function foldByHand(admin: postgres.Sql, schema: string, id: string): Promise<JsonValue> {
  const [row] = await admin.begin(async (tx) => {
    await tx.unsafe(`SET LOCAL search_path = "${schema}"`);
    return tx.unsafe(FOLD_BY_HAND_SQL, [id]);
  });
  return row?.state as JsonValue;
}
