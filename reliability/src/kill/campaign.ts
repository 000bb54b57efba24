import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { CheckpointStore } from "@lg/core";
import { runChild, ChildFailedError, type ChildLauncher, type ChildRun } from "./driver.js";
import { FINAL_VERSION } from "./graph.js";
import { armPoint, type ArmedPoint, type KillKind, type PlannedKill, type SaveTiming } from "./points.js";
import type { StoreSpec } from "./stores.js";

/** Longest wait before a wall-clock kill, in milliseconds. */
const MAX_WALL_CLOCK_DELAY_MS = 5_000;

/** One kill an execution went through. */
export interface KillRecord {
  /** The kind of point. */
  kind: KillKind;
  /** The version the point was armed at (for `wall-clock`: the save the child would have waited before). */
  at: number;
  /** For `inside-save`: when the kill fired. */
  timing?: SaveTiming;
  /** For `inside-save`: whether the save's promise had settled when the kill fired. */
  settled?: boolean;
  /** For `inside-save`: whether the checkpoint being saved was found stored after the kill. */
  landed?: boolean;
  /** For `wall-clock`: milliseconds after the child started the graph. */
  delayMs?: number;
  /** For `wall-clock`: the child had reached the end of the span and was waiting when the kill came. */
  held?: boolean;
  /** Latest stored version before the killed child started, and after it died. */
  versions: [before: number, after: number];
}

/** What happened to one execution. */
export interface ExecutionReport {
  /** The execution id. */
  executionId: string;
  /** The kills it survived. */
  kills: KillRecord[];
  /** Children started on it, the finishing one included. */
  children: number;
  /** Children that found checkpoints and resumed from them. */
  resumes: number;
  /** Planned kills not made because the execution had already passed their span. */
  skipped: number;
  /** Kills whose child finished instead (none expected; counted rather than lost). */
  missed: number;
}

/** What every child of one store shares. */
export interface CampaignContext {
  /** How to start a child. */
  launcher: ChildLauncher;
  /** The store, as children open it. */
  spec: StoreSpec;
  /** The same store, opened by the driver to read latest versions. */
  store: CheckpointStore;
  /** Directory for the children's marker files. */
  dir: string;
}

async function latestVersion(store: CheckpointStore, executionId: string): Promise<number> {
  return (await store.latest(executionId))?.version ?? 0;
}

/** A fresh file for one child's {@link Hit}: its presence after the child died says where it died. */
function markerFile(context: CampaignContext): string {
  return join(context.dir, `${randomUUID()}.hit`);
}

/**
 * Runs one uninterrupted child on a fresh execution: the reference state every killed execution must end in, and
 * how long the graph takes (the range of the wall-clock kills).
 */
export async function runReference(context: CampaignContext, executionId: string): Promise<{ runMs: number }> {
  const run = await runChild(context.launcher, { store: context.spec, executionId, markerFile: markerFile(context) });
  if (run.end.kind !== "finished") {
    throw new ChildFailedError(`the reference run of ${executionId} did not finish: ${run.end.kind}`);
  }
  return { runMs: run.end.runMs };
}

/** Makes one planned kill; no record when the child finished instead of dying. */
async function makeKill(
  context: CampaignContext,
  executionId: string,
  point: ArmedPoint,
  fraction: number,
  before: number,
  paceMs: number,
): Promise<{ run: ChildRun; record?: Omit<KillRecord, "versions"> }> {
  const order = { store: context.spec, executionId, markerFile: markerFile(context), point };
  if (point.kind === "wall-clock") {
    // A random moment between the start and the end of the span, at the pace seen so far; capped, since a pace
    // measured in a moment of heavy load could otherwise keep a child waiting at its span's end for long.
    const delayMs = Math.min(Math.round(fraction * (point.at - before) * paceMs), MAX_WALL_CLOCK_DELAY_MS);
    const run = await runChild(context.launcher, order, { killAfterReadyMs: delayMs });
    if (run.end.kind !== "killed-by-driver") return { run };
    return { run, record: { kind: "wall-clock", at: point.at, delayMs, held: run.end.held } };
  }
  const run = await runChild(context.launcher, order);
  if (run.end.kind !== "killed-itself") {
    throw new ChildFailedError(`${executionId}: the child armed with ${JSON.stringify(point)} ended ${run.end.kind}`);
  }
  const { hit } = run.end;
  if (hit.point.kind !== "inside-save") return { run, record: { kind: hit.point.kind, at: hit.point.at } };
  return {
    run,
    record: { kind: "inside-save", at: hit.point.at, timing: hit.point.timing, settled: hit.settled === true },
  };
}

/**
 * Takes one execution through its planned kills, one child per kill, each resuming where the last one died, and
 * then runs a last child to the end.
 */
export async function runKilledExecution(
  context: CampaignContext,
  executionId: string,
  plan: readonly PlannedKill[],
  referenceRunMs: number,
): Promise<ExecutionReport> {
  const report: ExecutionReport = { executionId, kills: [], children: 0, resumes: 0, skipped: 0, missed: 0 };
  // Milliseconds per version, first the reference run's, then this execution's last child's (the machine's load
  // changes while the suite runs).
  let paceMs = referenceRunMs / FINAL_VERSION;
  const count = (run: ChildRun, advanced: number): void => {
    report.children++;
    if ((run.latestVersion ?? 0) > 0) report.resumes++;
    if (advanced > 0 && run.runningMs > 0) paceMs = run.runningMs / advanced;
  };
  for (const kill of plan) {
    const before = await latestVersion(context.store, executionId);
    const point = armPoint(kill, before);
    if (point === undefined) {
      report.skipped++;
      continue;
    }
    const { run, record } = await makeKill(context, executionId, point, kill.fraction, before, paceMs);
    const after = await latestVersion(context.store, executionId);
    count(run, after - before);
    if (record === undefined) {
      report.missed++;
      continue;
    }
    const landed = record.kind === "inside-save" ? { landed: after >= record.at } : {};
    report.kills.push({ ...record, ...landed, versions: [before, after] });
  }
  const before = await latestVersion(context.store, executionId);
  if (before < FINAL_VERSION) {
    const run = await runChild(context.launcher, { store: context.spec, executionId, markerFile: markerFile(context) });
    if (run.end.kind !== "finished") throw new ChildFailedError(`${executionId}: the last child ended ${run.end.kind}`);
    count(run, FINAL_VERSION - before);
  }
  return report;
}

/** What one store's campaign produced. */
export interface CampaignResult {
  /** The uninterrupted execution every killed one is compared with. */
  referenceId: string;
  /** How long the reference run's graph took, in milliseconds. */
  referenceRunMs: number;
  /** One report per killed execution. */
  reports: ExecutionReport[];
  /** Wall time of the campaign, in milliseconds. */
  totalMs: number;
}

/**
 * Runs one store's campaign: the reference run, then every planned execution side by side (each one's children
 * one after another). Waits for all of them even when one fails, so no child outlives the call, then rethrows the
 * first failure.
 */
export async function runCampaign(
  context: CampaignContext,
  idPrefix: string,
  plans: readonly PlannedKill[][],
): Promise<CampaignResult> {
  const started = Date.now();
  const referenceId = `${idPrefix}-reference`;
  const { runMs } = await runReference(context, referenceId);
  const settled = await Promise.allSettled(
    plans.map((plan, i) => runKilledExecution(context, `${idPrefix}-${i + 1}`, plan, runMs)),
  );
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  const reports = settled.map((result) => (result as PromiseFulfilledResult<ExecutionReport>).value);
  return { referenceId, referenceRunMs: runMs, reports, totalMs: Date.now() - started };
}
