/**
 * Export/import throughput and memory of `lg-checkpoints`, against the raw driver reading and writing the same rows.
 *
 *   pnpm --filter @lg/cli bench                 # 100,000 checkpoints on SQLite and PostgreSQL
 *   pnpm --filter @lg/cli bench -- --count 1000000 --only sqlite --rounds 1
 *
 * The binary runs as a child process under `/usr/bin/time`, which reports its peak RSS. Raw read: one SELECT of the
 * store's table, iterated (better-sqlite3) or through a 1,000-row cursor (postgres.js). Raw write: the same rows
 * inserted into a table with the store's own schema (its primary key and unique index, which every store write must
 * maintain), 10,000 per transaction (SQLite, with the store's WAL and synchronous=NORMAL) or 1,000 per INSERT
 * (PostgreSQL, `LIKE … INCLUDING ALL`). Each CLI rate is given twice: over the whole run, and without the process's
 * start (the median of three `lg-checkpoints --version` runs), which the raw driver's figures do not include, and
 * by CPU time (the process's user + system time against the raw driver's), which a loaded machine disturbs less.
 * The whole comparison runs `--rounds` times (default 3), raw driver and binary one after the other in each round; the
 * report gives the median of each rate and of each round's ratio, and the lowest and highest ratio.
 * Needs `pnpm build`; PostgreSQL from LG_TEST_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/test.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import postgres from "postgres";
import { createCheckpointId } from "@lg/core";
import { SqliteCheckpointStore } from "@lg/store-sqlite";

const args = process.argv.slice(2);
const count = Number(args[args.indexOf("--count") + 1] ?? 0) || 100_000;
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const rounds = args.includes("--rounds") ? Number(args[args.indexOf("--rounds") + 1]) : 3;
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds takes a whole number from 1, not "${rounds}"`);
const PER_EXECUTION = 1000;
// LG_CLI_BIN: a copy of the built binary (and its packages) that a rebuild cannot remove while the bench runs.
const BIN = process.env.LG_CLI_BIN ?? fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const PG_URL = process.env.LG_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const dir = mkdtempSync(join(tmpdir(), "lg-cli-bench-"));

/** The prefix of the keys the raw driver writes in round `round`: rounds sort in order, so writes append. */
function roundKey(round: number): string {
  return `r${String(round).padStart(6, "0")}-`;
}

interface Timed {
  seconds: number;
  /** User plus system CPU time of the process. */
  cpuSeconds: number;
  maxRssMb: number;
}

/** A raw driver's rates: by wall time, and by the CPU time its process spent (steadier on a loaded machine). */
interface Rates {
  wall: number;
  cpu: number;
}

/** Runs `work` (which handles `count` rows) and returns its rates. */
async function measure(work: () => Promise<void> | void): Promise<Rates> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const spent = process.cpuUsage(cpu);
  return { wall: count / ((performance.now() - started) / 1000), cpu: count / ((spent.user + spent.system) / 1e6) };
}

/** Runs the binary under /usr/bin/time; returns wall time and peak RSS. */
function cli(cliArgs: string[]): Timed {
  const started = performance.now();
  const result = spawnSync("/usr/bin/time", ["-f", "maxrss_kb=%M cpu=%U+%S", process.execPath, BIN, ...cliArgs], {
    encoding: "utf8",
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`lg-checkpoints ${cliArgs.join(" ")} failed: ${result.stderr}`);
  const kb = Number(/maxrss_kb=(\d+)/.exec(result.stderr)?.[1] ?? NaN);
  const cpu = /cpu=([\d.]+)\+([\d.]+)/.exec(result.stderr);
  return { seconds, cpuSeconds: Number(cpu?.[1] ?? NaN) + Number(cpu?.[2] ?? NaN), maxRssMb: kb / 1024 };
}

async function seedSqlite(path: string): Promise<void> {
  const store = new SqliteCheckpointStore({ path });
  const blob = "x".repeat(800);
  for (let e = 0; e < count / PER_EXECUTION; e++) {
    let parentId: string | undefined;
    for (let v = 1; v <= PER_EXECUTION; v++) {
      const id = createCheckpointId();
      await store.save({
        id,
        executionId: `bench-${e}`,
        nodeName: "step",
        version: v,
        next: ["step"],
        timestamp: new Date(),
        state: { v, when: new Date(), tags: new Set(["a"]), blob },
        metadata: { source: "loop", step: v },
        ...(parentId === undefined ? {} : { parentId }),
      });
      parentId = id;
    }
  }
  await store.close();
}

async function rawSqlite(path: string): Promise<{ read: Rates; write: Rates }> {
  const db = new Database(path);
  const rows: unknown[][] = [];
  const read = await measure(() => {
    for (const row of db.prepare("SELECT * FROM checkpoints").raw().iterate()) {
      if (rows.length < 10_000) rows.push(row as unknown[]);
    }
  });
  db.close();
  // The store creates the target (same table, indexes and pragmas); the raw driver then writes into it.
  const target = join(dir, "raw-copy.db");
  await new SqliteCheckpointStore({ path: target }).close();
  const copy = new Database(target);
  copy.pragma("synchronous = NORMAL");
  const width = (rows[0] ?? []).length;
  const insert = copy.prepare(`INSERT INTO checkpoints VALUES (${Array(width).fill("?").join(",")})`);
  const batch = copy.transaction((batchRows: unknown[][], round: number) => {
    // Column 0 is the id, column 1 the execution id: each round writes new keys, as a restore does, prefixed by the
    // round so that they append to the indexes as a restore's time-ordered ids do (suffixed, they landed all over).
    const key = roundKey(round);
    for (const row of batchRows) insert.run(`${key}${row[0] as string}`, `${key}${row[1] as string}`, ...row.slice(2));
  });
  // The same 10,000 rows written count/10,000 times under new keys: the write rate of rows of this size.
  const write = await measure(() => {
    for (let i = 0; i < count / rows.length; i++) batch(rows, i);
  });
  copy.close();
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${target}${suffix}`, { force: true });
  return { read, write };
}

async function rawPostgres(schema: string): Promise<{ read: Rates; write: Rates }> {
  const sql = postgres(PG_URL, { max: 2, onnotice: () => undefined });
  try {
    const sample: Record<string, unknown>[] = [];
    const read = await measure(() =>
      sql.unsafe(`SELECT * FROM "${schema}".checkpoints`).cursor(1000, (rows) => {
        if (sample.length < 1000) sample.push(...rows.slice(0, 1000 - sample.length));
      }),
    );
    await sql.unsafe(`CREATE TABLE "${schema}".raw_copy (LIKE "${schema}".checkpoints INCLUDING ALL)`);
    const write = await measure(async () => {
      for (let i = 0; i < count / sample.length; i++) {
        const key = roundKey(i);
        const rows = sample.map((r) => ({
          ...r,
          id: `${key}${r.id as string}`,
          execution_id: `${key}${r.execution_id as string}`,
        }));
        await sql`INSERT INTO ${sql(schema)}.raw_copy ${sql(rows)}`;
      }
    });
    return { read, write };
  } finally {
    await sql.end();
  }
}

/** Wall and CPU time of the binary doing nothing but start (`--version`): the median of three runs. */
function startCost(): Timed {
  const runs = [0, 1, 2].map(() => cli(["--version"])).sort((a, b) => a.seconds - b.seconds);
  return runs[1] as Timed;
}

/** One round's figures of one command: the binary's run and the raw driver's rates measured in the same round. */
interface Sample {
  timed: Timed;
  raw: Rates;
  start: Timed;
}

/** The rounds' samples of each row of the report, in the order they were first measured. */
const samples = new Map<string, Sample[]>();

function record(row: string, timed: Timed, raw: Rates, start: Timed): void {
  samples.set(row, [...(samples.get(row) ?? []), { timed, raw, start }]);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * One line per row: the median over the rounds of each rate, and of each ratio (the binary's rate over the raw
 * driver's in the same round), with the rounds' lowest and highest ratio.
 */
function report(): void {
  const fixed = (value: number): string => String(Math.round(value)).padStart(7);
  for (const [row, runs] of samples) {
    const rates = runs.map(({ timed, raw, start }) => ({
      wall: count / timed.seconds,
      work: count / Math.max(timed.seconds - start.seconds, 1e-3),
      cpu: count / Math.max(timed.cpuSeconds - start.cpuSeconds, 1e-3),
      raw,
    }));
    const ratios = (pick: (rate: (typeof rates)[number]) => number, of: (raw: Rates) => number): string => {
      const each = rates.map((rate) => pick(rate) / of(rate.raw));
      const range = runs.length > 1 ? ` ${Math.min(...each).toFixed(2)}–${Math.max(...each).toFixed(2)}` : "";
      return `${median(each).toFixed(2)}${range}`;
    };
    const wall = (raw: Rates): number => raw.wall;
    const cpu = (raw: Rates): number => raw.cpu;
    console.log(
      `${row.padEnd(18)} wall ${fixed(median(rates.map((r) => r.wall)))}/s (${ratios((r) => r.wall, wall)}), ` +
        `without start ${fixed(median(rates.map((r) => r.work)))}/s (${ratios((r) => r.work, wall)}), ` +
        `raw ${fixed(median(rates.map((r) => r.raw.wall)))}/s | CPU ${fixed(median(rates.map((r) => r.cpu)))}/s, ` +
        `raw ${fixed(median(rates.map((r) => r.raw.cpu)))}/s (${ratios((r) => r.cpu, cpu)}) | peak RSS ` +
        `${median(runs.map((r) => r.timed.maxRssMb)).toFixed(0)} MB (${median(runs.map((r) => r.timed.seconds)).toFixed(1)} s)`,
    );
  }
}

async function main(): Promise<void> {
  const { loadavg } = await import("node:os");
  const load = (): string =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(" ");
  console.log(
    `lg-checkpoints export/import, ${count.toLocaleString("en")} checkpoints (~1 kB each), ${rounds} round(s), ` +
      `load average ${load()}`,
  );
  const source = join(dir, "source.db");
  await seedSqlite(source);
  const backup = join(dir, "backup.jsonl");
  for (let round = 1; round <= rounds; round++) {
    // Each round measures the raw driver and the binary one after the other, so that a change in the machine's
    // load falls on both; the ratios are taken within a round.
    const start = startCost();
    console.log(
      `round ${round}: process start (lg-checkpoints --version) ${start.seconds.toFixed(2)} s wall, ` +
        `${start.cpuSeconds.toFixed(2)} s CPU, load average ${load()}`,
    );
    if (only === undefined || only === "sqlite") {
      const raw = await rawSqlite(source);
      // The default (threads: as many as the cores, up to 2) and one thread, side by side.
      for (const jobs of ["2", "1"]) {
        const label = `SQLite -j${jobs}`;
        record(`${label} export`, cli(["export", "-j", jobs, "-o", backup, "-s", `sqlite:${source}`]), raw.read, start);
        const restored = join(dir, `restored-${round}-${jobs}.db`);
        const imported = cli(["import", "-j", jobs, "-i", backup, "-s", `sqlite:${restored}`]);
        record(`${label} import`, imported, raw.write, start);
        for (const suffix of ["", "-wal", "-shm"]) rmSync(`${restored}${suffix}`, { force: true });
      }
    } else if (round === 1) {
      cli(["export", "-o", backup, "-s", `sqlite:${source}`]);
    }
    if (round === 1) console.log(`backup: ${(statSync(backup).size / 1e6).toFixed(0)} MB`);
    if (only === undefined || only === "postgres") {
      const schema = `lg_cli_bench_${process.pid}_${round}`;
      const url = `${PG_URL}?schema=${schema}`;
      try {
        const imported = cli(["import", "-i", backup, "-s", url]);
        const exported = ["2", "1"].map((jobs) => cli(["export", "-j", jobs, "-o", join(dir, "pg.jsonl"), "-s", url]));
        const raw = await rawPostgres(schema);
        record("PG -j2 export", exported[0] as Timed, raw.read, start);
        record("PG -j1 export", exported[1] as Timed, raw.read, start);
        record("PostgreSQL import", imported, raw.write, start);
      } finally {
        spawnSync("psql", [PG_URL, "-qc", `DROP SCHEMA IF EXISTS "${schema}" CASCADE`]);
      }
    }
  }
  report();
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
