import type postgres from "postgres";
import { resolveOptions } from "../src/options.js";
import { buildRegistryStatements, type RegistryStatements } from "../src/registry-sql.js";
import { adminClient, createTestStore, type TestStore } from "./helpers.js";
import { bothPlans, nodesOf, type PlanNode } from "./plan-helpers.js";

const DONE = 20_000;
const QUEUED = 50_000;
const RUNNING = 50;
const TABLE = "checkpoints_executions";

/**
 * The registry's plans on a table that holds what a busy, long-lived registry holds — finished executions, a backlog
 * in the queue and the running ones — in the custom and the generic plan: no statement may read the whole table, or
 * a claim would cost more with every execution submitted or finished. Planned with fresh statistics, and before the
 * first analyze (a new registry, or a backlog submitted since autovacuum last ran): the plan must not depend on them.
 */
describe.each([
  ["with fresh statistics", true],
  ["before the first analyze", false],
])("registry query plans %s", (_, analyzed) => {
  let t: TestStore;
  let admin: postgres.Sql;
  let s: RegistryStatements;

  beforeAll(async () => {
    t = await createTestStore();
    admin = await adminClient();
    s = buildRegistryStatements(resolveOptions({ connString: t.url, schema: t.schema }));
    const rows = (status: string, count: number, lease: string): string =>
      `INSERT INTO "${t.schema}".${TABLE} (execution_id, status, graph_name, graph_version, owner, lease_token, ` +
      "lease_expires_at, attempts, input, input_key, created_at, updated_at) " +
      `SELECT '${status}-' || i, '${status}', 'g', '1', ${lease}, 0, '{}', 'k', now(), now() + i * interval '1 ms' ` +
      `FROM generate_series(1, ${count}) i`;
    // Autovacuum would otherwise analyze the table at a moment of its choosing.
    if (!analyzed) await admin.unsafe(`ALTER TABLE "${t.schema}".${TABLE} SET (autovacuum_enabled = false)`);
    await admin.unsafe(rows("done", DONE, "NULL, NULL, NULL"));
    await admin.unsafe(rows("queued", QUEUED, "NULL, NULL, NULL"));
    await admin.unsafe(rows("running", RUNNING, "'w', 'tok-' || i, now() + interval '1 hour'"));
    if (analyzed) await admin.unsafe(`ANALYZE "${t.schema}".${TABLE}`);
  });

  afterAll(async () => {
    await admin?.end();
    await t?.cleanup();
  });

  function expectNoTableScan(nodes: PlanNode[]): void {
    const onTable = nodes.filter((n) => n["Relation Name"] === TABLE);
    expect(onTable.length).toBeGreaterThan(0);
    expect(onTable.map((n) => n["Node Type"])).not.toContain("Seq Scan");
  }

  const indexesOf = (nodes: PlanNode[]): (string | undefined)[] => nodes.map((n) => n["Index Name"]);

  it("claim takes its candidates from the queue and expiry indexes and updates them through the key index", async () => {
    // EXPLAIN without ANALYZE plans the statement without running it: nothing is claimed or notified.
    for (const limit of [1, 16]) {
      const tokens = `{${Array.from({ length: limit }, (_, i) => `t${i}`).join(",")}}`;
      for (const nodes of await bothPlans(admin, s.claim, ["w2", "{g}", "{1}", limit, 30_000, tokens])) {
        expectNoTableScan(nodes);
        expect(indexesOf(nodes)).toEqual(
          expect.arrayContaining([
            "idx_checkpoints_reg_queued",
            "idx_checkpoints_reg_expiry",
            "idx_checkpoints_reg_key",
          ]),
        );
        // The queue is locked as its index hands it out, oldest first, up to the limit: never sorted whole under the
        // locks. (The expired branch may sort its candidates: they are among the running executions, at most the
        // fleet's concurrency.)
        const queue = nodes.filter(
          (n) => n["Node Type"] === "LockRows" && indexesOf(nodesOf(n)).includes("idx_checkpoints_reg_queued"),
        );
        expect(queue).toHaveLength(1);
        expect(nodesOf(queue[0] as PlanNode).map((n) => n["Node Type"])).not.toContain("Sort");
      }
    }
  });

  it("renew finds the leases through an index", async () => {
    for (const count of [1, 50]) {
      const list = (prefix: string): string =>
        `{${Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`).join(",")}}`;
      for (const nodes of await bothPlans(admin, s.renew, [list("running-"), list("tok-"), 30_000])) {
        // The running executions' index or the key index, whichever the counts favour: never the whole table.
        expectNoTableScan(nodes);
      }
    }
  });

  it("release, cancel, get and enqueue find their record through the key index", async () => {
    const cases: [string, (string | number | null)[]][] = [
      [s.release, ["running-3", "tok-3", "done", null]],
      [s.cancel, ["queued-3"]],
      [s.get, ["done-3"]],
      [s.enqueue, ["done-3", "g", "1", "{}", "k2"]],
    ];
    for (const [text, params] of cases) {
      for (const nodes of await bothPlans(admin, text, params)) {
        expectNoTableScan(nodes);
        expect(indexesOf(nodes)).toContain("idx_checkpoints_reg_key");
      }
    }
  });
});
