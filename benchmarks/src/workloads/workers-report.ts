/**
 * The workers workload's figures beside the goals: a Markdown table, the goals as {@link GoalCheck}s for the
 * run's goals table, and how each figure was obtained.
 *
 * @packageDocumentation
 */
import type { GoalCheck } from "../goals.js";
import type { ChildStats } from "./workers-fleet.js";
import type { ThroughputRound } from "./workers-throughput.js";
import type { WorkersOutput } from "./workers.js";

/** The throughput goal: workers at least this share of plain invoke's executions per second. */
const THROUGHPUT_RATIO = 0.8;
/** The heartbeat goal: lease renewals at most this share of the store's statements. */
const RENEWAL_SHARE = 0.05;
/** The recovery goal: p99 of kill-to-next-step at most the lease plus this, in milliseconds. */
const RECOVERY_SLACK_MS = 1_000;

function status(measured: number, met: boolean): GoalCheck["status"] {
  return Number.isFinite(measured) ? (met ? "met" : "missed") : "n/a";
}

const ratio = (a: number, b: number): string => (a / b).toFixed(2);
const ms = (value: number): string => `${Math.round(value).toLocaleString("en-US")} ms`;
const percent = (share: number): string => `${(share * 100).toFixed(2)}%`;

/** The goals, checked against the workload's figures. */
export function checkWorkersGoals(output: WorkersOutput): GoalCheck[] {
  const goals: GoalCheck[] = [];
  for (const r of output.recovery) {
    const limit = r.leaseMs + RECOVERY_SLACK_MS;
    goals.push({
      goal: `workers: kill-to-next-step p99 in ms (lease ${r.leaseMs} ms, ${r.samples.length} kills)`,
      backend: r.backend,
      measured: r.p99,
      target: `<= ${limit} ms (lease + 1000)`,
      status: status(r.p99, r.p99 <= limit),
    });
  }
  for (const t of output.throughput) {
    const ratio = t.workersPerSecond / t.invokePerSecond;
    goals.push(
      {
        goal: `workers: executions/s, ${t.processes} workers / one process with plain invoke`,
        backend: t.backend,
        measured: ratio,
        target: `>= ${THROUGHPUT_RATIO}`,
        status: status(ratio, ratio >= THROUGHPUT_RATIO),
      },
      {
        goal: `workers: lease renewals / store statements of the ${t.processes} workers`,
        backend: t.backend,
        measured: t.renewalShare,
        target: `<= ${RENEWAL_SHARE}`,
        status: status(t.renewalShare, t.renewalShare <= RENEWAL_SHARE),
      },
    );
  }
  return goals;
}

/** The figures side by side with their goals, as a Markdown table, followed by how they were measured. */
export function workersTable(output: WorkersOutput, goals: readonly GoalCheck[]): string {
  const statusOf = (backend: string, start: string): string =>
    goals.find((g) => g.backend === backend && g.goal.startsWith(start))?.status ?? "n/a";
  const lines = ["| backend | figure | measured | goal | status |", "|---|---|--:|---|---|"];
  for (const r of output.recovery) {
    lines.push(
      `| ${r.backend} | recovery: SIGKILL of a worker holding executions → their next step on another worker, ` +
        `p50 / p99 / max (${r.samples.length} kills, ${r.executionsTakenOver} executions; lease ${r.leaseMs} ms, ` +
        `poll ${r.pollMs} ms) | ${ms(r.p50)} / ${ms(r.p99)} / ${ms(r.max)} | p99 <= ${ms(r.leaseMs + RECOVERY_SLACK_MS)} ` +
        `| ${statusOf(r.backend, "workers: kill-to-next-step")} |`,
      `| ${r.backend} | recovery, medians by phase: killed worker's lease left / expired lease until claimed / ` +
        `claim to the node's next start | ${ms(r.phaseMedians.leaseLeftMs)} / ${ms(r.phaseMedians.claimWaitMs)} / ` +
        `${ms(r.phaseMedians.resumeMs)} | — | |`,
    );
  }
  for (const t of output.throughput) {
    const shape = `${t.executions} executions x ${t.steps} nodes, a ctx.step each`;
    const total = (way: keyof ThroughputRound, pick: (s: ChildStats) => number): number =>
      t.rounds.reduce((n, r) => n + pick(r[way].stats), 0);
    const renewals = total("workers", (s) => s.renewals);
    const statements = total("workers", (s) => s.statements);
    const executions = t.executions * t.rounds.length;
    const perExecution = (way: keyof ThroughputRound): string =>
      `${(total(way, (s) => s.cpuMs) / executions).toFixed(1)} ms CPU, ` +
      `${(total(way, (s) => s.statements) / executions).toFixed(1)} statements`;
    lines.push(
      `| ${t.backend} | throughput: ${t.processes} worker processes x concurrency ${t.concurrency} (${shape}; ` +
        `lease ${t.leaseMs} ms) | ${t.workersPerSecond.toFixed(1)} executions/s | — | |`,
      `| ${t.backend} | throughput: one process, plain invoke, concurrency ${t.processes * t.concurrency} ` +
        `| ${t.invokePerSecond.toFixed(1)} executions/s | — | |`,
      `| ${t.backend} | throughput: one worker process, concurrency ${t.processes * t.concurrency} ` +
        `| ${t.singleWorkerPerSecond.toFixed(1)} executions/s | — | |`,
      `| ${t.backend} | throughput: ${t.processes} processes, plain invoke, concurrency ${t.concurrency} each ` +
        `| ${t.invokeProcessesPerSecond.toFixed(1)} executions/s | — | |`,
      `| ${t.backend} | per execution: ${t.processes} workers / plain invoke / one worker / ${t.processes} invoke ` +
        `processes | ${perExecution("workers")} / ${perExecution("invoke")} / ${perExecution("singleWorker")} / ` +
        `${perExecution("invokeProcesses")} | — | |`,
      `| ${t.backend} | the processes' share: ${t.processes} plain-invoke processes / one (no registry, no lease) ` +
        `| ${ratio(t.invokeProcessesPerSecond, t.invokePerSecond)} | — | |`,
      `| ${t.backend} | the protocol's share: ${t.processes} workers / ${t.processes} plain-invoke processes; ` +
        `one worker / one plain-invoke process | ${ratio(t.workersPerSecond, t.invokeProcessesPerSecond)}; ` +
        `${ratio(t.singleWorkerPerSecond, t.invokePerSecond)} | — | |`,
      `| ${t.backend} | throughput: workers / plain invoke (median of ${t.rounds.length} round(s)) ` +
        `| ${(t.workersPerSecond / t.invokePerSecond).toFixed(2)} | >= ${THROUGHPUT_RATIO} ` +
        `| ${statusOf(t.backend, "workers: executions/s")} |`,
      `| ${t.backend} | heartbeats: lease renewals / statements of the worker processes during their runs ` +
        `| ${percent(t.renewalShare)} (${renewals} of ${statements.toLocaleString("en-US")}) ` +
        `| <= ${percent(RENEWAL_SHARE)} | ${statusOf(t.backend, "workers: lease renewals")} |`,
    );
  }
  const notes = [
    "Recovery: one sample per kill, the slowest of the killed worker's executions; each kill comes at a random " +
      "moment of the heartbeat (every lease / 3), and the killed process is replaced at once. The phases come " +
      "from the execution's registry record (lease expiry before the kill, `updatedAt` of the new claim).",
    ...(output.throughput.length === 0
      ? []
      : [
          "Throughput: from `go` (every process started, its store open) to the registry counting every execution " +
            "done, against one process's `invoke` of as many executions at the same total concurrency, on the same " +
            "store. Two more ways tell the worker's protocol from more processes sharing the cores: one worker " +
            "process at the total concurrency, and as many plain-invoke processes as workers at a worker's " +
            "concurrency each (the executions dealt out in turn, timed until the last process is through). CPU: " +
            "user + system time of the processes from `go` to their stop. Heartbeats: statements counted in each " +
            "worker process by its PostgreSQL client (postgres.js " +
            "`debug` hook: every query sent, BEGIN and COMMIT included), renewals by wrapping the registry's `renew` " +
            "(one statement per heartbeat, whatever the number of leases); counted on the client, it needs no server " +
            "extension such as pg_stat_statements.",
        ]),
    ...output.unavailable.map((u) => `- workers ${u.part} on ${u.backend}: not measured — ${u.reason}.`),
  ];
  return `${lines.join("\n")}\n\n${notes.join("\n")}`;
}
