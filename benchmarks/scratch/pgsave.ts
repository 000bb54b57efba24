import { PostgresCheckpointStore } from "@lg/store-postgres";
import { createCheckpointId } from "@lg/core";
import { openRawPostgres } from "../src/raw/postgres.js";
import { stateWithEntries } from "../src/payload.js";
import { randomUUID } from "node:crypto";
const url = "postgres://postgres@127.0.0.1:5432/test";
const tag = randomUUID().slice(0, 8);
const store = await PostgresCheckpointStore.connect({ connString: url, schema: `lgbench_${tag}_lg` });
const raw = await openRawPostgres(url, `lgbench_${tag}_raw`);
const state = stateWithEntries(Number(process.argv[2] ?? 50));
const ex1 = "e-" + randomUUID(), ex2 = "e-" + randomUUID();
const tl: number[] = [], tr: number[] = [], te: number[] = [];
const { encodeCheckpoint } = await import("@lg/core");
for (let v = 1; v <= 600; v++) {
  const cp = { id: createCheckpointId(), executionId: ex1, nodeName: "n", state, metadata: { source: "loop", step: v, execution_id: ex1 }, timestamp: new Date(), version: v, next: ["n"] };
  let t = performance.now(); encodeCheckpoint(cp); te.push(performance.now() - t);
  t = performance.now(); await store.save(cp); tl.push(performance.now() - t);
  t = performance.now();
  await raw.insert({ id: randomUUID(), executionId: ex2, nodeName: "n", state: JSON.stringify(state), metadata: JSON.stringify(cp.metadata), timestamp: Date.now(), version: v, parentId: null, next: '["n"]' });
  tr.push(performance.now() - t);
}
const med = (a: number[]) => a.slice(100).sort((x, y) => x - y)[Math.floor((a.length - 100) / 2)];
console.log("bytes", JSON.stringify(state).length, "lg", med(tl), "raw", med(tr), "encode", med(te));
await store.close(); await raw.close();
const { default: postgres } = await import("postgres"); const sql = postgres(url); await sql.unsafe(`drop schema "lgbench_${tag}_lg" cascade`); await sql.end();
