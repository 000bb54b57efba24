import { keyColumns } from "./keys.js";
import type { ResolvedPostgresOptions } from "./options.js";

/**
 * The statements of migration 5, which lets the table hold checkpoints incrementally (docs/incremental-checkpoints.md):
 *
 * - `kind` (`'full'` or `'delta'`): a full row's `state` is the whole encoded state, as before; a delta row's `state`
 *   is an object of the channels its step wrote whole, so `state->'channel'` still reads what the row wrote.
 * - `hidden`: a deleted checkpoint that later rows still read through; invisible to every read of checkpoints.
 * - `chain_id`: the row a delta row continues. It starts as `parent_id` but is a column of its own, because
 *   retention merges hidden rows and re-points their children, while `parent_id` stays the lineage users see.
 * - `item_counts`: per channel, how many items the row appended (`{"messages": 1}`), so that a missing or extra item
 *   row is found when reading instead of yielding a shorter list.
 * - `<table>_items`: one row per appended item, owned by a checkpoint row, ordered by the version of the row that
 *   appended it and its index there. The owner is keyed like the checkpoint ids (`keys.ts`), so ids of any length fit.
 *
 * Every existing row becomes a full row (`kind` defaults to `'full'`, `hidden` to false): constant defaults are
 * added without rewriting the table. The items table is created without `IF NOT EXISTS`: a table of that name made
 * by someone else is refused (the migration's transaction rolls back) rather than written into.
 */
export function incrementalStatements(o: ResolvedPostgresOptions): string[] {
  const t = o.qualifiedTable;
  return [
    `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS kind TEXT NOT NULL DEFAULT 'full'`,
    `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS hidden BOOLEAN NOT NULL DEFAULT false`,
    `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS chain_id TEXT COLLATE "C"`,
    `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS item_counts JSONB`,
    `CREATE TABLE ${o.qualifiedItemsTable} (` +
      'owner_id TEXT COLLATE "C" NOT NULL, ' +
      "version BIGINT NOT NULL, " +
      'channel TEXT COLLATE "C" NOT NULL, ' +
      "idx INTEGER NOT NULL, " +
      "value JSONB NOT NULL)",
    `CREATE UNIQUE INDEX ${o.quotedItemsOwnerIndex} ON ${o.qualifiedItemsTable} ` +
      `(${keyColumns("owner_id")}, channel, version, idx)`,
  ];
}
