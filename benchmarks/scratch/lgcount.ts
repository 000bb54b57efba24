import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { langGraphGraphs } from "../src/systems/langgraph.js";
import { randomUUID } from "node:crypto";
const url = "postgres://postgres@127.0.0.1:5432/test";
const schema = `lgbench_${randomUUID().slice(0, 8)}_langgraph`;
const saver = PostgresSaver.fromConnString(url, { schema });
await saver.setup();
const pool = (saver as any).pool;
let queries = 0, commits = 0, poolQueries = 0;
const origConnect = pool.connect.bind(pool);
pool.connect = async (...a: any[]) => { if (a.length) return origConnect(...a); const c = await origConnect(); if (!c.__w) { const q = c.query.bind(c); c.query = (t: any, ...r: any[]) => { queries++; if (String(t?.text ?? t).trim().toUpperCase() === "COMMIT") commits++; return q(t, ...r); }; c.__w = true; } return c; };
const oq = pool.query.bind(pool); pool.query = (...a: any[]) => { poolQueries++; return oq(...a); };
const shapes = { linearSteps: 100, fanoutWidth: 8, fanoutRounds: 10, concurrentSteps: 20 };
for (const d of ["sync", "async"] as const) {
  queries = commits = poolQueries = 0;
  await langGraphGraphs(shapes, saver, d, () => {}).linear("t-" + randomUUID());
  console.log(d, "client queries", queries, "COMMITs", commits, "pool.query", poolQueries);
}
await saver.end();
const { default: postgres } = await import("postgres"); const sql = postgres(url, { onnotice: () => {} }); await sql.unsafe(`drop schema "${schema}" cascade`); await sql.end();
