import { randomBytes } from "node:crypto";
import type { Checkpoint, CheckpointStore } from "@lg/core";
import { encodeValue, jsonEqual } from "@lg/core/store";
import type { FigureRow } from "./figures.js";
import { outageGraph, type OutageState } from "./graph.js";
import { checkHistory } from "./history.js";
import { describeCodes, isUnavailable, settle } from "./outcome.js";

/** Steps of the graph every mid-run scenario runs. */
export const STEPS = 6;
/** The step (0-based) inside which the fault is caused: its checkpoint is the first that meets it. */
export const FAULT_STEP = 3;
/**
 * What a busy 2-core machine may add to a documented bound: process scheduling, the runtime's own work, the
 * fault itself taking effect (a server's sockets closing).
 */
export const SLACK_MS = 5000;

/** What a scenario found: its figure row and every expectation it broke, in words (none when it held). */
export interface ScenarioResult {
  /** The measured figures. */
  row: FigureRow;
  /** Broken expectations; empty when the scenario held. */
  problems: string[];
}

/** An outage caused inside a running step, and how it ends. */
export interface MidRunOutage {
  /** The scenario's name in the figures, e.g. `server stopped mid-run`. */
  scenario: string;
  /** The store's name in the figures. */
  storeName: string;
  /** A store on the backend (with the suite's short timeouts); the scenario does not close it. */
  store: CheckpointStore;
  /** Causes the outage; the time to error is counted from its end. */
  fault(): Promise<void>;
  /** Ends the outage (restart the server, thaw it, release the lock); the same store is used again afterwards. */
  recover(): Promise<void>;
  /** The documented bound for the failing call with the store's options, in milliseconds. */
  boundMs: number;
  /** How the bound follows from the store's documentation, for the figures. */
  boundNote: string;
}

/** A fresh execution id for one scenario. */
export function scenarioExecutionId(scenario: string): string {
  return `outage-${scenario.replace(/\W+/g, "-")}-${randomBytes(4).toString("hex")}`;
}

/** The uninterrupted run of the outage graph: its final state and its whole history. */
export async function referenceRun(
  store: CheckpointStore,
  steps = STEPS,
): Promise<{ state: OutageState; history: Checkpoint[] }> {
  const executionId = scenarioExecutionId("reference");
  const result = await outageGraph(store, steps).invoke({}, { executionId });
  return { state: result.state, history: await store.list(executionId) };
}

/** Whether two states are equal as stored values. */
export function sameState(a: OutageState, b: OutageState): boolean {
  return jsonEqual(encodeValue(a), encodeValue(b));
}

/**
 * Runs the outage graph, causes the outage inside step {@link FAULT_STEP}, and checks: the run fails with
 * `StoreUnavailableError` (as the cause of the failed save) within the bound plus {@link SLACK_MS}; after recovery
 * the history holds no partial checkpoint; `invoke(null)` on the same execution completes with the state of an
 * uninterrupted run and a history equal to its.
 */
export async function outageMidRun(outage: MidRunOutage): Promise<ScenarioResult> {
  const { store } = outage;
  const reference = await referenceRun(store);
  const executionId = scenarioExecutionId(outage.scenario);
  let faultEnd: number | undefined;
  const app = outageGraph(store, STEPS, async (index) => {
    if (index !== FAULT_STEP || faultEnd !== undefined) return;
    await outage.fault();
    faultEnd = performance.now();
  });
  const run = await settle(app.invoke({}, { executionId }));
  const elapsed = run.at - (faultEnd ?? run.at);
  const problems: string[] = [];
  if (faultEnd === undefined) problems.push("the fault was never caused");
  if (!isUnavailable(run.error))
    problems.push(`the run ended with ${describeCodes(run.error)}, not StoreUnavailableError`);
  if (elapsed > outage.boundMs + SLACK_MS)
    problems.push(`the error came after ${elapsed.toFixed(0)} ms, bound ${outage.boundMs} ms`);

  await outage.recover();
  const afterFault = await checkHistory(store, executionId, reference.history);
  problems.push(...afterFault.problems.map((p) => `after the fault: ${p}`));
  const resumed = await settle(app.invoke(null, { executionId }));
  if (resumed.error !== undefined)
    problems.push(`the resume failed: ${describeCodes(resumed.error)}: ${String(resumed.error)}`);
  else if (resumed.value === undefined || !sameState(resumed.value.state, reference.state)) {
    problems.push(
      `the resumed state ${JSON.stringify(resumed.value?.state)} differs from ${JSON.stringify(reference.state)}`,
    );
  }
  const final = await checkHistory(store, executionId, reference.history);
  problems.push(...final.problems.map((p) => `after the resume: ${p}`));
  if (final.versions.length !== reference.history.length) {
    problems.push(
      `${final.versions.length} checkpoints after the resume, ${reference.history.length} in the uninterrupted run`,
    );
  }
  const row: FigureRow = {
    scenario: outage.scenario,
    store: outage.storeName,
    errorCode: describeCodes(run.error),
    timeToErrorMs: Math.round(elapsed),
    boundMs: outage.boundMs,
    resumed: resumed.error === undefined && problems.length === 0,
    note: `${outage.boundNote}; ${afterFault.versions.length} of ${reference.history.length} checkpoints kept, contiguous`,
  };
  return { row, problems };
}
