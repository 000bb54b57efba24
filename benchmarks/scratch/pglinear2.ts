import { PostgresCheckpointStore } from "@lg/store-postgres";
import type { CheckpointStore, Checkpoint } from "@lg/core";
import { openRawPostgres } from "../src/raw/postgres.js";
import { lgGraphs } from "../src/systems/lg.js";
import { randomUUID } from "node:crypto";
const url = "postgres://postgres@127.0.0.1:5432/test";
const tag = randomUUID().slice(0, 8);
const store = await PostgresCheckpointStore.connect({ connString: url, schema: `lgbench_${tag}_lg` });
const raw = await openRawPostgres(url, `lgbench_${tag}_raw`);
let saveT = 0, n = 0;
const timed = new Proxy(store, { get(t, p) { const v = (t as any)[p]; if (p === "save") return async (cp: Checkpoint) => { const s = performance.now(); await t.save(cp); saveT += performance.now() - s; n++; }; return typeof v === "function" ? v.bind(t) : v; } }) as CheckpointStore;
let rawT = 0;
const thin = new Proxy(store, { get(t, p) { const v = (t as any)[p]; if (p === "save") return async (cp: Checkpoint) => { const s = performance.now(); await raw.insert({ id: cp.id, executionId: cp.executionId, nodeName: cp.nodeName, state: JSON.stringify(cp.state), metadata: JSON.stringify(cp.metadata), timestamp: cp.timestamp.getTime(), version: cp.version, parentId: cp.parentId ?? null, next: JSON.stringify(cp.next) }); rawT += performance.now() - s; }; return typeof v === "function" ? v.bind(t) : v; } }) as CheckpointStore;
const shapes = { linearSteps: 100, fanoutWidth: 8, fanoutRounds: 10, concurrentSteps: 20 };
const a = lgGraphs(shapes, timed, () => {}), b = lgGraphs(shapes, thin, () => {});
let ta = 0, tb = 0;
for (let i = 0; i < 10; i++) {
  let id = "e-" + randomUUID(); let s = performance.now(); await a.linear(id); ta += performance.now() - s; await store.clear(id);
  id = "e-" + randomUUID(); s = performance.now(); await b.linear(id); tb += performance.now() - s; await raw.clear(id);
}
console.log("lg run", (ta / 10).toFixed(1), "save total/run", (saveT / 10).toFixed(1), "per save", (saveT / n).toFixed(3));
console.log("thin run", (tb / 10).toFixed(1), "raw insert total/run", (rawT / 10).toFixed(1));
await store.close(); await raw.close();
const { default: postgres } = await import("postgres"); const sql = postgres(url, {onnotice: () => {}}); await sql.unsafe(`drop schema "lgbench_${tag}_lg" cascade`); await sql.end();
