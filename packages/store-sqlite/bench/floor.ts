/**
 * Performance floor of SqliteCheckpointStore: in one run, on the same file settings (WAL, synchronous=NORMAL) and
 * the same bytes, a raw better-sqlite3 prepared statement against the store method doing the same job:
 *   save   ↔ INSERT of the already-encoded row
 *   latest ↔ SELECT … WHERE execution_id = ? ORDER BY version DESC LIMIT 1
 *   load   ↔ SELECT … WHERE id = ?
 * The raw side gets its strings ready-made (no JSON work in its loop); the store validates, encodes and decodes.
 * Raw reads use better-sqlite3's default (rows as objects); the store reads rows as arrays, so one more line
 * compares `latest` with a raw read in array mode too, for information.
 * Rounds alternate raw and store and the median round counts, so a burst of load elsewhere on the machine hits
 * both sides alike. Run: `pnpm bench` (add `--quick` for a short run).
 */
import { createCheckpointId, encodeValue, type Checkpoint, type TaskResults } from "@lg/core";
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteCheckpointStore } from "../src/index.js";
import { migrate } from "../src/migrations.js";
import { CHECKPOINT_COLUMNS, sqlNames, storeSql } from "../src/sql.js";
import { applyTuning } from "../src/tuning.js";
import { formatComparisons, median, ratioOf, timeLoop, type Comparison, type Sample } from "./measure.js";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 3 : 5;
const SAVES = quick ? 1000 : 5000;
const READS = quick ? 4000 : 20000;
const WARMUP = 500;
const FLOOR = 1.5;

/** What one benchmark saves: a state and, for a paused step, its task results. */
interface Shape {
  state: unknown;
  tasks?: TaskResults;
}

const messages = (): unknown => ({
  messages: Array.from({ length: 8 }, (_, turn) => ({
    role: turn % 2 ? "user" : "assistant",
    content: "lorem ipsum ".repeat(6),
    turn,
  })),
  step: 3,
  done: false,
});

/**
 * State shapes of about 1 KB once encoded: a realistic graph state, one long string, and the realistic state of a
 * step paused by `interrupt()` while another node finished, with its task results (a Date among the writes).
 */
const SHAPES: Record<string, () => Shape> = {
  messages: () => ({ state: messages() }),
  "1 KB string": () => ({ state: { payload: "abcdefghijklmnopqrstuvwxyz0123456789".repeat(28) } }),
  "messages + tasks": () => ({
    state: messages(),
    tasks: {
      nodes: {
        search: { writes: { hits: ["a", "b", "c"], at: new Date(Date.UTC(2025, 0, 1)) } },
        review: { resumes: [] },
      },
      interrupts: [{ node: "review", when: "inside", value: { question: "Send the answer?" } }],
      anchorId: createCheckpointId(),
    },
  }),
};

type Params = [string, string, string, string, string, number, number, string | null, string, string | null];

function checkpoints(executionId: string, count: number, { state, tasks }: Shape): Checkpoint[] {
  const out: Checkpoint[] = [];
  for (let v = 1; v <= count; v++) {
    const parent = out[v - 2];
    out.push({
      id: createCheckpointId(),
      executionId,
      nodeName: "agent",
      state,
      metadata: { source: "loop", step: v, execution_id: executionId },
      timestamp: new Date(),
      version: v,
      next: ["tools"],
      ...(parent === undefined ? {} : { parentId: parent.id }),
      ...(tasks === undefined ? {} : { tasks }),
    });
  }
  return out;
}

/** The row the store writes for `cp`, computed ahead so the raw loop does no JSON work. */
function paramsOf(cp: Checkpoint): Params {
  return [
    cp.id,
    cp.executionId,
    cp.nodeName,
    JSON.stringify(encodeValue(cp.state, "state")),
    JSON.stringify(encodeValue(cp.metadata, "metadata")),
    cp.timestamp.getTime(),
    cp.version,
    cp.parentId ?? null,
    JSON.stringify(cp.next),
    cp.tasks === undefined ? null : JSON.stringify(encodeValue(cp.tasks, "tasks")),
  ];
}

async function benchShape(dir: string, shape: string, makeShape: () => Shape): Promise<Comparison[]> {
  const slug = shape.replace(/\W+/g, "-");
  const raw = new Database(join(dir, `raw-${slug}.db`));
  applyTuning(raw, { busyTimeoutMs: 5000, cacheSizeKib: 8192 });
  const names = sqlNames("checkpoints");
  migrate(raw, names);
  const sql = storeSql(names);
  const insert = raw.prepare(sql.insert);
  // The floor reads one row as the store did before incremental rows: by id, or the execution's newest.
  const latestSql = `SELECT ${CHECKPOINT_COLUMNS} FROM ${names.table} WHERE execution_id = ? ORDER BY version DESC LIMIT 1`;
  const latest = raw.prepare(latestSql);
  const load = raw.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM ${names.table} WHERE id = ?`);
  const latestArrays = raw.prepare(latestSql).raw(true);
  const store = new SqliteCheckpointStore({ path: join(dir, `store-${slug}.db`) });
  const sample = makeShape();

  // Warm-up: JIT, page cache and WAL file on both sides.
  const warm = checkpoints("warmup", WARMUP, sample);
  for (const cp of warm) insert.run(...paramsOf(cp));
  for (const cp of warm) await store.save(cp);
  for (let i = 0; i < WARMUP; i++) {
    latest.get("warmup");
    await store.latest("warmup");
  }

  const save = { raw: [] as Sample[], store: [] as Sample[] };
  const ids: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const cps = checkpoints(`bench-${round}`, SAVES, sample);
    const rows = cps.map(paramsOf);
    save.raw.push(await timeLoop(SAVES, (i) => insert.run(...(rows[i] as Params))));
    save.store.push(await timeLoop(SAVES, (i) => store.save(cps[i] as Checkpoint)));
    if (round === 0) ids.push(...cps.map((cp) => cp.id));
  }

  const reads = {
    latestRaw: [] as Sample[],
    latestRawArrays: [] as Sample[],
    latestStore: [] as Sample[],
    loadRaw: [] as Sample[],
    loadStore: [] as Sample[],
  };
  const executionOf = (i: number): string => `bench-${i % ROUNDS}`;
  const idOf = (i: number): string => ids[(i * 7919) % ids.length] as string;
  for (let round = 0; round < ROUNDS; round++) {
    reads.latestRaw.push(await timeLoop(READS, (i) => latest.get(executionOf(i))));
    reads.latestStore.push(await timeLoop(READS, (i) => store.latest(executionOf(i))));
    reads.latestRawArrays.push(await timeLoop(READS, (i) => latestArrays.get(executionOf(i))));
    reads.loadRaw.push(await timeLoop(READS, (i) => load.get(idOf(i))));
    reads.loadStore.push(await timeLoop(READS, (i) => store.load(idOf(i))));
  }

  const row = paramsOf(warm[0] as Checkpoint);
  const bytes = row[3].length + (row[9] === null ? "" : ` + ${row[9].length}`);
  raw.close();
  await store.close();
  const label = `${shape} (${bytes} B)`;
  // Reading task results back costs the store a second JSON.parse and decoding walk that the raw read (which returns
  // the text) does not do. They are read once per resume, not once per step, so their figures are printed for
  // information; the floor holds for saving them, which every paused or partly failed step does.
  const readsInformational = sample.tasks !== undefined;
  return [
    { operation: `save    ${label}`, raw: median(save.raw), store: median(save.store) },
    {
      operation: `latest  ${label}`,
      raw: median(reads.latestRaw),
      store: median(reads.latestStore),
      informational: readsInformational,
    },
    {
      operation: `load    ${label}`,
      raw: median(reads.loadRaw),
      store: median(reads.loadStore),
      informational: readsInformational,
    },
    {
      operation: `latest  ${label}, raw as arrays`,
      raw: median(reads.latestRawArrays),
      store: median(reads.latestStore),
      informational: true,
    },
  ];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "lg-sqlite-bench-"));
  try {
    const probe = new Database(":memory:");
    const sqliteVersion = probe.prepare("SELECT sqlite_version()").pluck().get();
    probe.close();
    console.log(
      `SqliteCheckpointStore floor — node ${process.version}, SQLite ${String(sqliteVersion)}, ` +
        `${cpus().length} CPUs, load ${loadavg()
          .map((l) => l.toFixed(2))
          .join(" ")}\n` +
        `WAL + synchronous=NORMAL, sequential awaits; median of ${ROUNDS} alternating rounds; ` +
        `ratio = store CPU / raw CPU; ${SAVES} saves and ${READS} reads per round\n`,
    );
    const comparisons: Comparison[] = [];
    for (const [shape, makeShape] of Object.entries(SHAPES)) {
      comparisons.push(...(await benchShape(dir, shape, makeShape)));
    }
    console.log(formatComparisons(comparisons, FLOOR));
    const over = comparisons.filter((c) => c.informational !== true && ratioOf(c) > FLOOR);
    if (over.length === 0) {
      console.log(`\nfloor met: every store operation within ${FLOOR}x of raw better-sqlite3`);
    } else {
      console.log(`\nOVER THE FLOOR: ${over.map((c) => c.operation.trim()).join(", ")}`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
