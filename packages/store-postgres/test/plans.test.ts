import type postgres from "postgres";
import { resolveOptions } from "../src/options.js";
import { fitsKeyPrefix } from "../src/keys.js";
import { buildStatements, type CheckpointStatements, type KeyedStatements } from "../src/sql.js";
import { adminClient, createTestStore, type TestStore } from "./helpers.js";
import { bothPlans as plansOf, type PlanNode } from "./plan-helpers.js";

const EXECUTIONS = 400;
const VERSIONS = 25;
// Ids longer than the key prefix (512 characters), stored 25 times over as well.
const LONG_EXECUTION = `${"e".repeat(3000)}-long`;
const LONG_ID = `${"i".repeat(3000)}-long-3`;

/**
 * The statements' plans on a table with 10 000 rows and fresh statistics: each one must reach the table through
 * an index, never a sequential scan of the whole table, and those that return rows in version order must take
 * the order from the index rather than sort a whole history, for ids both shorter and longer than the key prefix,
 * in the custom plans of a statement's first executions and in the generic plan it may switch to.
 */
describe("query plans", () => {
  let t: TestStore;
  let admin: postgres.Sql;
  let statements: CheckpointStatements;

  beforeAll(async () => {
    t = await createTestStore();
    admin = await adminClient();
    statements = buildStatements(resolveOptions({ connString: t.url, schema: t.schema }));
    await admin.unsafe(
      `INSERT INTO "${t.schema}".checkpoints (id, execution_id, node_name, state, metadata, "timestamp", version, next)
       SELECT 'cp-' || e || '-' || v, 'exec-' || lpad(e::text, 5, '0'), 'node', jsonb_build_object('v', v), '{}',
              now() - (v || ' minutes')::interval, v, '[]'
       FROM generate_series(1, ${EXECUTIONS}) e, generate_series(1, ${VERSIONS}) v`,
    );
    await admin.unsafe(
      `INSERT INTO "${t.schema}".checkpoints (id, execution_id, node_name, state, metadata, "timestamp", version, next)
       SELECT $1::text || '-long-' || v, $2::text, 'node', '{}', '{}', now(), v, '[]' FROM generate_series(1, ${VERSIONS}) v`,
      ["i".repeat(3000), LONG_EXECUTION],
    );
    await admin.unsafe(`ANALYZE "${t.schema}".checkpoints`);
  });

  afterAll(async () => {
    await admin?.end();
    await t?.cleanup();
  });

  // The statement forms the store may use for this id: both for a short one, the general one for a long one.
  const formsFor = (id: string): KeyedStatements[] =>
    fitsKeyPrefix(id) ? [statements.short, statements.any] : [statements.any];

  const bothPlans = (text: string, params: (string | number | null)[]): Promise<PlanNode[][]> =>
    plansOf(admin, text, params);

  function expectIndexOnly(nodes: PlanNode[], index: string): void {
    const onTable = nodes.filter((n) => n["Relation Name"] === "checkpoints");
    expect(onTable.length).toBeGreaterThan(0);
    expect(onTable.map((n) => n["Node Type"])).not.toContain("Seq Scan");
    // A bitmap scan names its index on its Bitmap Index Scan child, which names no relation.
    expect(nodes.map((n) => n["Index Name"])).toContain(index);
  }

  // Rows come back in version order straight from the index: no Sort node (a sort would read the whole history).
  function expectOrderedByIndex(nodes: PlanNode[]): void {
    expectIndexOnly(nodes, "idx_checkpoints_exec_key");
    expect(nodes.map((n) => n["Node Type"])).not.toContain("Sort");
  }

  it("latest probes the execution key index, in custom and generic plans, for short and long ids", async () => {
    for (const executionId of ["exec-00007", LONG_EXECUTION]) {
      for (const form of formsFor(executionId)) {
        for (const nodes of await bothPlans(form.latest, [executionId])) expectOrderedByIndex(nodes);
      }
    }
  });

  it("list and listSerialized's plain read walk the execution key index in both directions", async () => {
    for (const executionId of ["exec-00007", LONG_EXECUTION]) {
      const forms = formsFor(executionId);
      for (const text of forms.flatMap((form) => [form.listAsc, form.listDesc, form.plainAsc, form.plainDesc])) {
        for (const nodes of await bothPlans(text, [executionId, 3, 20, 5])) expectOrderedByIndex(nodes);
      }
    }
  });

  it("load uses the id key index", async () => {
    for (const id of ["cp-7-3", LONG_ID]) {
      for (const form of formsFor(id)) {
        for (const nodes of await bothPlans(form.load, [id])) expectIndexOnly(nodes, "idx_checkpoints_id_key");
      }
    }
  });

  it("listExecutions skips through the index one execution at a time", async () => {
    for (const text of [statements.listExecutions, statements.listExecutionsFrom]) {
      for (const nodes of await bothPlans(text, ["exec-00100", 51])) {
        expectIndexOnly(nodes, "idx_checkpoints_exec_key");
        expect(nodes.map((n) => n["Node Type"])).toContain("Recursive Union");
      }
    }
  });

  it("prune and delete lock and read an execution's rows through the execution key index", async () => {
    for (const executionId of ["exec-00007", LONG_EXECUTION]) {
      for (const form of formsFor(executionId)) {
        for (const text of [form.lock, form.rowHeaders]) {
          for (const nodes of await bothPlans(text, [executionId])) expectIndexOnly(nodes, "idx_checkpoints_exec_key");
        }
      }
    }
  });

  it("listHeaders walks the execution key index without a sort", async () => {
    for (const form of formsFor("exec-00007")) {
      for (const text of [form.headersAsc, form.headersDesc]) {
        for (const nodes of await bothPlans(text, ["exec-00007", 3, 20, 5])) expectOrderedByIndex(nodes);
      }
    }
  });

  it("clear, delete and the save's classifying read find their rows through the key indexes", async () => {
    // EXPLAIN without ANALYZE plans a DELETE without running it.
    for (const form of [statements.short, statements.any]) {
      for (const nodes of await bothPlans(form.clear, ["exec-00007"]))
        expectIndexOnly(nodes, "idx_checkpoints_exec_key");
      for (const nodes of await bothPlans(form.executionOf, ["cp-7-3"]))
        expectIndexOnly(nodes, "idx_checkpoints_id_key");
    }
    for (const nodes of await bothPlans(statements.any.clear, [LONG_EXECUTION])) {
      expectIndexOnly(nodes, "idx_checkpoints_exec_key");
    }
    for (const nodes of await bothPlans(statements.any.executionOf, [LONG_ID])) {
      expectIndexOnly(nodes, "idx_checkpoints_id_key");
    }
    const save = [LONG_ID, LONG_EXECUTION, "n", "{}", "{}", "2025-01-01T00:00:00Z", 3, null, "[]", null];
    for (const nodes of await bothPlans(statements.classify, save)) {
      expectIndexOnly(nodes, "idx_checkpoints_id_key");
      expectIndexOnly(nodes, "idx_checkpoints_exec_key");
    }
  });

  // A prepared statement is planned anew on each execution unless its generic plan looks no costlier than the
  // custom ones; the short forms exist so that the common statements settle (PostgreSQL 14+ counts the plans).
  it("lets the short forms of latest and load settle on a generic plan after a few executions", async () => {
    const conn = await admin.reserve();
    try {
      const [version] = await conn.unsafe("SELECT current_setting('server_version_num')::int AS n");
      if (Number(version?.n) < 140000) return;
      await conn.unsafe(`PREPARE latest AS ${statements.short.latest}`).simple();
      await conn.unsafe(`PREPARE load AS ${statements.short.load}`).simple();
      for (let i = 0; i < 12; i++) {
        await conn.unsafe(`EXECUTE latest('exec-${String(i + 1).padStart(5, "0")}')`).simple();
        await conn.unsafe(`EXECUTE load('cp-${i + 1}-3')`).simple();
      }
      const plans = await conn.unsafe(
        "SELECT name, generic_plans::int AS generic FROM pg_prepared_statements ORDER BY name",
      );
      expect(plans.map((p) => [p.name, Number(p.generic) > 0])).toEqual([
        ["latest", true],
        ["load", true],
      ]);
    } finally {
      await conn.unsafe("DEALLOCATE ALL").simple();
      conn.release();
    }
  });
});
