import { PostgresCheckpointStore } from "@lg/store-postgres";
import type { CheckpointStore, Checkpoint } from "@lg/core";
import { openRawPostgres } from "../src/raw/postgres.js";
import { rawGraphs } from "../src/raw/floor.js";
import { lgGraphs } from "../src/systems/lg.js";
import { randomUUID } from "node:crypto";
const url = "postgres://postgres@127.0.0.1:5432/test";
const tag = randomUUID().slice(0, 8);
const store = await PostgresCheckpointStore.connect({ connString: url, schema: `lgbench_${tag}_lg` });
const raw = await openRawPostgres(url, `lgbench_${tag}_raw`);
// A store whose save is the raw insert: the runtime over the raw floor.
const thin = { ...Object.fromEntries(["load","list","delete","clear","prune","listExecutions","ping","stats","close"].map(k=>[k,(store as any)[k].bind(store)])),
  latest: async (id: string) => { await raw.latest(id); return undefined; },
  save: async (cp: Checkpoint) => raw.insert({ id: cp.id, executionId: cp.executionId, nodeName: cp.nodeName, state: JSON.stringify(cp.state), metadata: JSON.stringify(cp.metadata), timestamp: cp.timestamp.getTime(), version: cp.version, parentId: cp.parentId ?? null, next: JSON.stringify(cp.next) }),
} as unknown as CheckpointStore;
const shapes = { linearSteps: 100, fanoutWidth: 8, fanoutRounds: 10, concurrentSteps: 20 };
const subjects = { lg: lgGraphs(shapes, store, () => {}), thin: lgGraphs(shapes, thin, () => {}), raw: rawGraphs(shapes, raw) };
const t: Record<string, number[]> = { lg: [], thin: [], raw: [] };
for (let i = 0; i < 12; i++) for (const [k, r] of Object.entries(subjects)) { const id = "e-" + randomUUID(); const s = performance.now(); await r[(process.argv[2] ?? "linear") as "linear"](id); t[k]!.push(performance.now() - s); await r.cleanup(id); }
for (const [k, a] of Object.entries(t)) { a.sort((x, y) => x - y); console.log(k, a.map(x => x.toFixed(0)).join(" ")); }
await store.close(); await raw.close();
const { default: postgres } = await import("postgres"); const sql = postgres(url, {onnotice: () => {}}); await sql.unsafe(`drop schema "lgbench_${tag}_lg" cascade`); await sql.end();
