import type postgres from "postgres";

/** A node of `EXPLAIN (FORMAT JSON)`'s plan tree, with the fields the plan tests read. */
export interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

/** Parameters of a statement, as the plan helpers pass them. */
export type Params = (string | number | null)[];

/** Every node of a plan tree, the root first. */
export function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

const nodesOfExplain = (rows: postgres.RowList<postgres.Row[]>): PlanNode[] =>
  nodesOf((rows[0]?.["QUERY PLAN"] as { Plan: PlanNode }[])[0]?.Plan as PlanNode);

/** The plan for these parameter values (a custom plan, as the first executions of a prepared statement get). */
export async function planOf(admin: postgres.Sql, text: string, params: Params): Promise<PlanNode[]> {
  return nodesOfExplain(await admin.unsafe(`EXPLAIN (FORMAT JSON) ${text}`, params));
}

/** The generic plan, which a prepared statement may switch to after five executions: planned without the values. */
export async function genericPlanOf(admin: postgres.Sql, text: string, params: Params): Promise<PlanNode[]> {
  const conn = await admin.reserve();
  try {
    await conn.unsafe("SET plan_cache_mode = force_generic_plan");
    await conn.unsafe(`PREPARE generic AS ${text}`).simple();
    const [prepared] = await conn.unsafe(
      "SELECT parameter_types::text[] AS types FROM pg_prepared_statements WHERE name = 'generic'",
    );
    const types = prepared?.types as string[];
    // EXECUTE is a utility statement: its arguments cannot be bound parameters, so they go in as literals.
    const literal = (p: string | number | null, i: number): string =>
      p === null ? `NULL::${types[i]}` : `'${String(p).replaceAll("'", "''")}'::${types[i]}`;
    return nodesOfExplain(
      await conn.unsafe(`EXPLAIN (FORMAT JSON) EXECUTE generic(${params.map(literal).join(", ")})`),
    );
  } finally {
    await conn.unsafe("DEALLOCATE ALL; RESET plan_cache_mode").simple();
    conn.release();
  }
}

/** Both plans a prepared statement may run with: a custom one, then the generic one. */
export async function bothPlans(admin: postgres.Sql, text: string, params: Params): Promise<PlanNode[][]> {
  return [await planOf(admin, text, params), await genericPlanOf(admin, text, params)];
}
