import type postgres from "postgres";
import { resolveOptions } from "../src/options.js";
import { buildStatements, type CheckpointStatements } from "../src/sql.js";
import { adminClient, createTestStore, type TestStore } from "./helpers.js";

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

const EXECUTIONS = 400;
const VERSIONS = 25;

/**
 * The statements' plans on a table with 10 000 rows and fresh statistics: each one must reach the table through
 * an index, never a sequential scan of the whole table.
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
    await admin.unsafe(`ANALYZE "${t.schema}".checkpoints`);
  });

  afterAll(async () => {
    await admin.end();
    await t.cleanup();
  });

  async function planOf(text: string, params: (string | number | null)[]): Promise<PlanNode[]> {
    const [row] = await admin.unsafe(`EXPLAIN (FORMAT JSON) ${text}`, params);
    const plan = (row?.["QUERY PLAN"] as { Plan: PlanNode }[])[0]?.Plan as PlanNode;
    return nodesOf(plan);
  }

  function expectIndexOnly(nodes: PlanNode[], index: string): void {
    const onTable = nodes.filter((n) => n["Relation Name"] === "checkpoints");
    expect(onTable.length).toBeGreaterThan(0);
    expect(onTable.map((n) => n["Node Type"])).not.toContain("Seq Scan");
    expect(onTable.map((n) => n["Index Name"])).toContain(index);
  }

  it("latest probes the (execution_id, version) index", async () => {
    expectIndexOnly(await planOf(statements.latest, ["exec-00007"]), "idx_checkpoints_execution_id");
  });

  it("list walks the (execution_id, version) index in both directions", async () => {
    for (const text of [statements.listAsc, statements.listDesc]) {
      expectIndexOnly(await planOf(text, ["exec-00007", 3, 20, 5]), "idx_checkpoints_execution_id");
    }
  });

  it("load uses the primary key", async () => {
    expectIndexOnly(await planOf(statements.load, ["cp-7-3"]), "checkpoints_pkey");
  });

  it("listExecutions skips through the index one execution at a time", async () => {
    for (const text of [statements.listExecutions, statements.listExecutionsFrom]) {
      const nodes = await planOf(text, ["exec-00100", 51]);
      expectIndexOnly(nodes, "idx_checkpoints_execution_id");
      expect(nodes.map((n) => n["Node Type"])).toContain("Recursive Union");
    }
  });

  it("prune finds its victims through the (execution_id, version) index", async () => {
    // EXPLAIN without ANALYZE plans the DELETE without running it.
    expectIndexOnly(await planOf(statements.prune, ["exec-00007", 5, null, "[]"]), "idx_checkpoints_execution_id");
  });
});
