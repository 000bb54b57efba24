/**
 * The store's performance floor, measured against raw postgres.js on the same server, table layout and bytes:
 *
 * 1. `store.save` vs a raw single-row INSERT of the same ~1 KB JSONB (sequential awaits) into a table keyed on plain
 *    columns — must be within 1.5x;
 * 2. `store.latest` vs a raw point SELECT (`ORDER BY version DESC LIMIT 1`) — must be within 1.5x;
 * 3. 50 executions saving at once through one store (pool of 10): throughput, latency percentiles, errors = 0.
 *
 * Raw and store operations are interleaved one by one so that disk and CPU noise on a shared machine hits both
 * alike. Everything lives in a
 * random schema that is dropped at the end.
 *
 * Run: `pnpm bench` (server: LG_TEST_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/test).
 */
import { randomBytes } from "node:crypto";
import { createCheckpointId, type Checkpoint } from "@lg/core";
import postgres from "postgres";
import { MIGRATIONS, PostgresCheckpointStore } from "../src/index.js";
import { runMigrations } from "../src/migrations.js";
import { resolveOptions } from "../src/options.js";

const URL = process.env.LG_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const SAVES = Number(process.env.BENCH_SAVES ?? 2000);
const READS = Number(process.env.BENCH_READS ?? 5000);
const WARMUP = 200;
const WRITERS = 50;
const SAVES_PER_WRITER = Number(process.env.BENCH_SAVES_PER_WRITER ?? 40);
const POOL_SIZE = 10;
const FLOOR = 1.5;

/** A plain ~1 KB state, shaped like a workflow's: messages, a nested record, numbers and flags. */
function stateOf(i: number): Record<string, unknown> {
  return {
    messages: Array.from({ length: 9 }, (_, m) => ({
      role: m % 2 === 0 ? "user" : "assistant",
      content: `message ${m} of step ${i}: the quick brown fox jumps over the lazy dog`,
    })),
    user: { id: `u-${i % 97}`, name: "Ada Lovelace", plan: "pro", tags: ["a", "b", "c"] },
    counters: { steps: i, tokens: i * 17, retries: i % 3 },
    done: false,
  };
}

function checkpointOf(executionId: string, version: number, parentId?: string): Checkpoint {
  const cp: Checkpoint = {
    id: createCheckpointId(),
    executionId,
    nodeName: "agent",
    state: stateOf(version),
    metadata: { source: "loop", step: version, execution_id: executionId },
    timestamp: new Date(),
    version,
    next: ["tools"],
  };
  if (parentId !== undefined) cp.parentId = parentId;
  return cp;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const fmt = (n: number, digits = 0): string => n.toLocaleString("en-US", { maximumFractionDigits: digits });

interface Timing {
  ops: number;
  ms: number;
  p50: number;
}

function line(label: string, t: Timing): string {
  const perOp = (t.ms * 1000) / t.ops;
  return (
    `  ${label.padEnd(48)} ${fmt((t.ops / t.ms) * 1000).padStart(7)} ops/s ${fmt(perOp, 1).padStart(8)} µs/op ` +
    `(p50 ${fmt(t.p50 * 1000, 1)} µs)`
  );
}

/** The verdict compares mean time per operation (throughput); the p50 ratio is printed beside it. */
function verdict(label: string, store: Timing, raw: Timing): string {
  const ratio = store.ms / store.ops / (raw.ms / raw.ops);
  const ok = ratio <= FLOOR;
  return (
    `  ${label.padEnd(48)} ${ratio.toFixed(2)}x (p50 ${(store.p50 / raw.p50).toFixed(2)}x) ` +
    (ok ? `within ${FLOOR}x: PASS` : `over ${FLOOR}x: FAIL`)
  );
}

/**
 * Runs `a` and `b` interleaved one operation at a time (`a b b a a b …`, so neither always goes first), timing each
 * operation, so that both sides meet the same disk and CPU conditions on a shared machine.
 */
async function interleave(total: number, a: (i: number) => Promise<unknown>, b: (i: number) => Promise<unknown>) {
  const ta: number[] = [];
  const tb: number[] = [];
  const time = async (fn: (i: number) => Promise<unknown>, i: number, into: number[]) => {
    const start = performance.now();
    await fn(i);
    into.push(performance.now() - start);
  };
  for (let i = 0; i < total; i++) {
    if (i % 2 === 0) {
      await time(a, i, ta);
      await time(b, i, tb);
    } else {
      await time(b, i, tb);
      await time(a, i, ta);
    }
  }
  return [timingOf(ta), timingOf(tb)] as const;
}

function timingOf(samples: number[]): Timing {
  const sorted = [...samples].sort((x, y) => x - y);
  return { ops: samples.length, ms: samples.reduce((sum, x) => sum + x, 0), p50: percentile(sorted, 50) };
}

async function main(): Promise<void> {
  const schema = `lg_bench_${randomBytes(5).toString("hex")}`;
  const applicationName = `lg-bench-${randomBytes(3).toString("hex")}`;
  const admin = postgres(URL, { max: 2, onnotice: () => undefined });
  const store = await PostgresCheckpointStore.connect({
    connString: URL,
    schema,
    poolSize: POOL_SIZE,
    applicationName,
  });
  // The raw side writes to a table with the same columns, through the same pool, keyed the plain way a hand-written
  // table would be (primary key on id, unique (execution_id, version): migration 1 alone), so the ratio also
  // prices the store's key indexes, which hold ids of any length.
  const sql = store.sql;
  await runMigrations(sql, resolveOptions({ sql, schema, tableName: "raw_checkpoints" }), MIGRATIONS.slice(0, 1));
  const raw = sql(schema);
  try {
    const sample = checkpointOf("sample", 1);
    const bytes = Buffer.byteLength(JSON.stringify(sample.state));
    const [server] = await sql`select current_setting('server_version') as v`;
    console.log(`@lg/store-postgres floor benchmark — PostgreSQL ${String(server?.v)}, Node ${process.version}`);
    console.log(`  state ${bytes} bytes of JSON; pool ${POOL_SIZE}; raw and store operations interleaved one by one\n`);

    // 1. save vs raw insert -------------------------------------------------------------------------------------
    const rawInsert = (cp: Checkpoint) =>
      sql`insert into ${raw}.raw_checkpoints
            (id, execution_id, node_name, state, metadata, "timestamp", version, parent_id, next)
          values (${cp.id}, ${cp.executionId}, ${cp.nodeName}, ${sql.json(cp.state as postgres.JSONValue)},
                  ${sql.json(cp.metadata as postgres.JSONValue)}, ${cp.timestamp}, ${cp.version}, ${cp.parentId ?? null},
                  ${sql.json(cp.next)})`;
    const rawInsertText = (cp: Checkpoint) =>
      sql`insert into ${raw}.raw_checkpoints
            (id, execution_id, node_name, state, metadata, "timestamp", version, parent_id, next)
          values (${cp.id}, ${cp.executionId}, ${cp.nodeName}, ${JSON.stringify(cp.state)}::text::jsonb,
                  ${JSON.stringify(cp.metadata)}::text::jsonb, ${cp.timestamp}, ${cp.version}, ${cp.parentId ?? null},
                  ${JSON.stringify(cp.next)}::text::jsonb)`;
    const sequence = (prefix: string) => {
      let n = 0;
      let parent: string | undefined;
      return () => {
        const version = (n % 100) + 1;
        const cp = checkpointOf(`${prefix}-${Math.floor(n / 100)}`, version, version === 1 ? undefined : parent);
        parent = cp.id;
        n++;
        return cp;
      };
    };
    const nextRaw = sequence("raw");
    const nextRawText = sequence("rawtext");
    const nextStore = sequence("store");
    for (let i = 0; i < WARMUP; i++) {
      await rawInsert(nextRaw());
      await rawInsertText(nextRawText());
      await store.save(nextStore());
    }
    const [rawSave, storeSave] = await interleave(
      SAVES,
      () => rawInsert(nextRaw()),
      () => store.save(nextStore()),
    );
    const [jsonParam, textParam] = await interleave(
      SAVES / 2,
      () => rawInsert(nextRaw()),
      () => rawInsertText(nextRawText()),
    );
    console.log(`save (sequential, ${fmt(storeSave.ops)} each)`);
    console.log(line("raw postgres.js INSERT (sql.json)", rawSave));
    console.log(line("store.save", storeSave));
    console.log(verdict("store.save / raw INSERT", storeSave, rawSave));
    console.log("  JSONB parameter form, raw INSERT:");
    console.log(line("  sql.json(value) (jsonb-typed parameter)", jsonParam));
    console.log(line("  JSON text as $n::text::jsonb", textParam));

    // 2. latest vs raw point select ----------------------------------------------------------------------------
    const executions = 200;
    const history = 10;
    for (let e = 0; e < executions; e++) {
      let parent: string | undefined;
      for (let v = 1; v <= history; v++) {
        const cp = checkpointOf(`read-${e}`, v, parent);
        parent = cp.id;
        await store.save(cp);
        await rawInsert(cp);
      }
    }
    await admin.unsafe(`ANALYZE "${schema}".checkpoints; ANALYZE "${schema}".raw_checkpoints`);
    const rawLatest = (i: number) =>
      sql`select * from ${raw}.raw_checkpoints where execution_id = ${`read-${i % executions}`}
          order by version desc limit 1`;
    const storeLatest = (i: number) => store.latest(`read-${i % executions}`);
    for (let i = 0; i < WARMUP; i++) {
      await rawLatest(i);
      await storeLatest(i);
    }
    const [rawRead, storeRead] = await interleave(READS, rawLatest, storeLatest);
    const check = await store.latest("read-7");
    if (check?.version !== history) throw new Error(`latest returned version ${String(check?.version)}`);
    console.log(`\nlatest (sequential, ${fmt(storeRead.ops)} each, ${executions} executions × ${history} versions)`);
    console.log(line("raw postgres.js SELECT … ORDER BY version DESC LIMIT 1", rawRead));
    console.log(line("store.latest", storeRead));
    console.log(verdict("store.latest / raw SELECT", storeRead, rawRead));

    // 3. 50 concurrent executions --------------------------------------------------------------------------------
    const latencies: number[] = [];
    let errors = 0;
    let busiest = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [row] = await admin`select count(*)::int as n from pg_stat_activity
                                  where application_name = ${applicationName} and state = 'active'`;
        busiest = Math.max(busiest, Number(row?.n ?? 0));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        let parent: string | undefined;
        for (let v = 1; v <= SAVES_PER_WRITER; v++) {
          const cp = checkpointOf(`conc-${w}`, v, parent);
          parent = cp.id;
          const t0 = performance.now();
          try {
            await store.save(cp);
          } catch (error) {
            errors++;
            console.error(error);
          }
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const elapsed = performance.now() - started;
    sampling = false;
    await sampler;
    latencies.sort((a, b) => a - b);
    const total = WRITERS * SAVES_PER_WRITER;
    const [stored] = await admin.unsafe(
      `select count(*)::int as n from "${schema}".checkpoints where execution_id like 'conc-%'`,
    );
    console.log(
      `\n${WRITERS} executions saving at once (${SAVES_PER_WRITER} checkpoints each, one store, pool ${POOL_SIZE})`,
    );
    console.log(
      `  ${fmt(total)} saves in ${fmt(elapsed)} ms: ${fmt((total / elapsed) * 1000)} saves/s; ` +
        `latency p50 ${fmt(percentile(latencies, 50), 2)} ms, p95 ${fmt(percentile(latencies, 95), 2)} ms, ` +
        `p99 ${fmt(percentile(latencies, 99), 2)} ms`,
    );
    console.log(
      `  errors ${errors}; rows stored ${fmt(Number(stored?.n))}/${fmt(total)}; ` +
        `busiest sample: ${busiest} of ${POOL_SIZE} connections active at once`,
    );
    console.log(
      `  ${errors === 0 && Number(stored?.n) === total ? "no errors: PASS" : "errors or missing rows: FAIL"}`,
    );
  } finally {
    await store.close();
    await admin.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
