import { adminClient, createTestStore, type TestStore } from "./helpers.js";
import { EXACT_STATS_MAX_PAGES } from "../src/stats.js";

/**
 * `stats()` reads PostgreSQL's statistics instead of counting a large table twice; a small table is still counted
 * exactly. The large table is filled in one INSERT … SELECT (20,000 checkpoints of ~1 KB, ~25 MB).
 */

const ROWS = 20_000;
const EXECUTIONS = 200;

/** ROWS checkpoints of ~1 KB spread over EXECUTIONS executions, versions from `firstVersion`, in one statement. */
function bulkInsert(table: string, idPrefix: string, firstVersion: number): string {
  return (
    `INSERT INTO ${table} (id, execution_id, node_name, state, metadata, "timestamp", version, next) ` +
    `SELECT '${idPrefix}-' || g, 'exec-' || (g % ${EXECUTIONS}), 'n', ` +
    `jsonb_build_object('pad', repeat(md5(g::text), 30)), '{}'::jsonb, now(), g / ${EXECUTIONS} + ${firstVersion}, ` +
    `'[]'::jsonb FROM generate_series(0, ${ROWS - 1}) g`
  );
}

let t: TestStore;

beforeAll(async () => {
  t = await createTestStore();
});

afterAll(async () => {
  await t?.cleanup();
});

it("counts a small table exactly and says nothing of estimates", async () => {
  const small = await createTestStore();
  try {
    const stats = await small.store.stats();
    expect(stats).toMatchObject({ checkpoints: 0, executions: 0 });
    expect(stats.estimated).toBeUndefined();
  } finally {
    await small.cleanup();
  }
});

it("answers from the statistics for a table over 8 MiB, with estimated: true", async () => {
  const admin = await adminClient();
  try {
    const table = t.store.qualifiedTableName;
    await admin.unsafe(bulkInsert(table, "bulk", 1));
    await admin.unsafe(`ANALYZE ${table}`);
    const [size] = await admin.unsafe(`SELECT pg_relation_size('${table}'::regclass) / 8192 AS pages`);
    expect(Number(size?.pages)).toBeGreaterThan(EXACT_STATS_MAX_PAGES);
    const stats = await t.store.stats();
    expect(stats.estimated).toBe(true);
    // ANALYZE sampled every row of a table this size, so the estimates are close to the truth.
    expect(Math.abs(stats.checkpoints - ROWS)).toBeLessThan(ROWS * 0.05);
    expect(Math.abs(stats.executions - EXECUTIONS)).toBeLessThan(EXECUTIONS * 0.1);
    expect(stats.bytes).toBeGreaterThan(ROWS * 1000);
    // Rows added since ANALYZE are seen through the table's growth, as the planner sees them.
    await admin.unsafe(bulkInsert(table, "more", 1000));
    const grown = await t.store.stats();
    expect(Math.abs(grown.checkpoints - 2 * ROWS)).toBeLessThan(2 * ROWS * 0.1);
  } finally {
    await admin.end();
  }
}, 60_000);
