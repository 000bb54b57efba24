import { PostgresCheckpointStore } from "@lg/store-postgres";
import { createCheckpointId } from "@lg/core";
import { stateWithEntries } from "../src/payload.js";
import { randomUUID } from "node:crypto";
import postgres from "postgres";
const url = "postgres://postgres@127.0.0.1:5432/test";
const tag = randomUUID().slice(0, 8);
const schema = `lgbench_${tag}_lg`;
const store = await PostgresCheckpointStore.connect({ connString: url, schema });
const saveSql: string = (store as any).statements.save;
const sql = postgres(url, { max: 1, onnotice: () => {} });
const plain = `INSERT INTO "${schema}"."checkpoints" (id, execution_id, node_name, state, metadata, "timestamp", version, parent_id, next) VALUES ($1::text, $2::text, $3::text, $4::text::jsonb, $5::text::jsonb, $6::text::timestamptz, $7::integer, $8::text, $9::text::jsonb)`;
const state = JSON.stringify(stateWithEntries(Number(process.argv[2] ?? 50)));
const onConflict = plain.replace(/\$9::text::jsonb\)$/, "$9::text::jsonb) ON CONFLICT DO NOTHING RETURNING 1");
const t: Record<string, number[]> = {};
for (let v = 1; v <= 1500; v++) {
  for (const [k, text] of [["cte", saveSql], ["plain", plain], ["onConflict", onConflict]] as const) {
    const params = [createCheckpointId(), "e-" + k + tag, "n", state, '{"a":1}', new Date().toISOString(), v, null, '["n"]'];
    const s = performance.now(); await sql.unsafe(text, params as any, { prepare: true }).values(); (t[k] ??= []).push(performance.now() - s);
  }
}
await sql.unsafe("SET synchronous_commit = off");
for (let v = 1501; v <= 2500; v++) {
  for (const [k, text] of [["cteAsync", saveSql], ["plainAsync", plain], ["onConflictAsync", onConflict]] as const) {
    const params = [createCheckpointId(), "e-" + k.replace("Async","") + tag, "n", state, '{"a":1}', new Date().toISOString(), v, null, '["n"]'];
    const s = performance.now(); await sql.unsafe(text, params as any, { prepare: true }).values(); (t[k] ??= []).push(performance.now() - s);
  }
}
for (const [k, a] of Object.entries(t)) { a.splice(0, 100); a.sort((x, y) => x - y); console.log(k, "p50", a[a.length >> 1]!.toFixed(3), "p10", a[Math.floor(a.length * 0.1)]!.toFixed(3)); }
await sql.unsafe(`drop schema "${schema}" cascade`); await sql.end(); await store.close();
