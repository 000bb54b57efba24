/**
 * `pnpm bench` / `pnpm bench:smoke`: runs @lg, LangGraph JS and the raw drivers side by side on every backend,
 * prints a Markdown table of medians and ratios plus the goals, and writes everything to a JSON file.
 *
 * Flags: `--smoke`, `--backends=memory,sqlite,postgres,redis`,
 * `--workloads=linear,fanout,save,resume,history,concurrent,growing,workers`,
 * `--out=results/<name>.json`, `--skip-langgraph` (profile @lg alone). Any exception fails the run (exit code 1); nothing is asserted about speed.
 *
 * @packageDocumentation
 */
import { backendEnv, type BackendEnv, type BackendName } from "./backends.js";
import { analyzeRunTables, removeRunData } from "./cleanup.js";
import { parseCli, type CliOptions } from "./cli.js";
import { checkGoals, checkGrowingGoals } from "./goals.js";
import { describeMachine, loadAverages, machineMeta, serverVersions } from "./meta.js";
import {
  goalsTable,
  growingTable,
  markdownTable,
  unavailableLines,
  writeJsonReport,
  type RunReport,
} from "./report.js";
import type { GrowingRow, ResultRow, Unavailable } from "./results.js";
import { FULL_SETTINGS, SMOKE_SETTINGS, type Settings } from "./settings.js";
import { openSubjects, type Subjects } from "./subjects.js";
import { concurrentWorkload } from "./workloads/concurrent.js";
import { fanoutWorkload } from "./workloads/fanout.js";
import { growingWorkload } from "./workloads/growing.js";
import { historyWorkload } from "./workloads/history.js";
import { linearWorkload } from "./workloads/linear.js";
import { checkpointOps } from "./workloads/runners.js";
import { resumeWorkload } from "./workloads/resume.js";
import { saveWorkload } from "./workloads/save.js";
import { removeSeeded, seedExecutions } from "./workloads/seeding.js";
import { emptyWorkersOutput, workersWorkload } from "./workloads/workers.js";
import { checkWorkersGoals, workersTable } from "./workloads/workers-report.js";

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const start = Date.now();
  const result = await work();
  log(`${label} done in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  return result;
}

async function runBackend(
  subjects: Subjects,
  settings: Settings,
  cli: CliOptions,
  env: BackendEnv,
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const want = (name: CliOptions["workloads"][number]): boolean => cli.workloads.includes(name);
  const b = subjects.backend;
  if (want("linear")) rows.push(...(await timed(`${b} linear`, () => linearWorkload(subjects, settings))));
  if (want("fanout")) rows.push(...(await timed(`${b} fanout`, () => fanoutWorkload(subjects, settings))));
  if (want("save")) rows.push(...(await timed(`${b} save`, () => saveWorkload(subjects, settings))));
  if (want("resume") || want("history")) {
    const ops = checkpointOps(subjects);
    const seeded = await timed(`${b} seeding ${settings.resumeSizes.join("/")}`, () =>
      seedExecutions(ops, settings.resumeSizes),
    );
    if (b === "postgres") await analyzeRunTables(env);
    try {
      if (want("resume"))
        rows.push(...(await timed(`${b} resume`, () => resumeWorkload(subjects, settings, ops, seeded))));
      if (want("history"))
        rows.push(...(await timed(`${b} history`, () => historyWorkload(subjects, settings, ops, seeded))));
    } finally {
      await removeSeeded(ops, seeded);
    }
  }
  if (want("concurrent")) rows.push(...(await timed(`${b} concurrent`, () => concurrentWorkload(subjects, settings))));
  return rows;
}

async function openOrExplain(backend: BackendName, env: BackendEnv, skipLangGraph: boolean): Promise<Subjects> {
  try {
    return await openSubjects(backend, env, skipLangGraph);
  } catch (error) {
    const hint =
      backend === "postgres"
        ? "is PostgreSQL running (POSTGRES_CONN_STRING)?"
        : backend === "redis"
          ? "is Redis running (REDIS_ADDR)?"
          : "";
    throw new Error(`could not open the ${backend} backend ${hint} Skip it with --backends=…`, { cause: error });
  }
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  const settings = cli.smoke ? SMOKE_SETTINGS : FULL_SETTINGS;
  const env = backendEnv();
  const startedAt = new Date().toISOString();
  const loadAtStart = loadAverages();
  log(`${cli.smoke ? "smoke" : "full"} run on ${cli.backends.join(", ")}; load average ${loadAtStart.join(" ")}`);
  const rows: ResultRow[] = [];
  const growing: GrowingRow[] = [];
  const unavailable: Unavailable[] = [];
  const workers = emptyWorkersOutput();
  const mainWorkloads = cli.workloads.some((name) => name !== "growing" && name !== "workers");
  let servers: Record<string, string> = {};
  try {
    servers = await serverVersions(
      cli.backends.includes("postgres") ? env.postgresUrl : undefined,
      cli.backends.includes("redis") ? env.redisUrl : undefined,
    ).catch((error: unknown) => {
      throw new Error(
        "could not reach PostgreSQL (POSTGRES_CONN_STRING) or Redis (REDIS_ADDR); start them, or leave them out " +
          "with --backends=memory,sqlite",
        { cause: error },
      );
    });
    for (const backend of cli.backends) {
      if (mainWorkloads) {
        const subjects = await openOrExplain(backend, env, cli.skipLangGraph);
        try {
          unavailable.push(...subjects.unavailable);
          rows.push(...(await runBackend(subjects, settings, cli, env)));
        } finally {
          await subjects.close();
        }
      }
      // Its own stores, opened after the main workloads' are closed: nothing else holds a connection meanwhile.
      if (cli.workloads.includes("growing") && backend !== "memory") {
        const output = await timed(`${backend} growing`, () =>
          growingWorkload(backend, env, settings.growing, cli.skipLangGraph, log),
        );
        growing.push(...output.rows);
        unavailable.push(...output.unavailable);
      }
      if (cli.workloads.includes("workers") && backend !== "memory")
        await timed(`${backend} workers`, () => workersWorkload(backend, env, settings.workers, workers, log));
    }
  } finally {
    await removeRunData(env, cli.backends);
  }
  const goals = cli.backends.flatMap((backend) => [
    ...(rows.some((r) => r.backend === backend) ? checkGoals(backend, rows) : []),
    ...checkGrowingGoals(backend, growing),
  ]);
  const workersGoals = checkWorkersGoals(workers);
  goals.push(...workersGoals);
  const machine = machineMeta();
  const report: RunReport = {
    meta: {
      startedAt,
      finishedAt: new Date().toISOString(),
      smoke: cli.smoke,
      command: `pnpm bench ${process.argv.slice(2).join(" ")}`.trim(),
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadAverages(),
      servers,
      settings,
      ...machine,
    },
    unavailable,
    rows,
    goals,
    growing,
    workers,
  };
  writeJsonReport(cli.out, report);
  const notes = unavailableLines(unavailable);
  const tables = [
    ...(rows.length > 0 ? [markdownTable(rows)] : []),
    ...(growing.length > 0 ? [`Growing state:\n\n${growingTable(growing)}`] : []),
    ...(workers.recovery.length + workers.throughput.length + workers.unavailable.length > 0
      ? [`Workers:\n\n${workersTable(workers, workersGoals)}`]
      : []),
  ];
  process.stdout.write(
    `\n${tables.join("\n\n")}\n\n${notes.length > 0 ? `${notes.join("\n")}\n\n` : ""}` +
      `${goalsTable(goals)}\n\n${describeMachine(machine, servers)}\n` +
      `load average ${loadAtStart.join(" ")} -> ${loadAverages().join(" ")}; JSON written to ${cli.out}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  if (error instanceof Error && error.cause !== undefined)
    process.stderr.write(`[bench] cause: ${String(error.cause)}\n`);
  process.exitCode = 1;
});
