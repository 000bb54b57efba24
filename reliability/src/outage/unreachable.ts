import type { CheckpointStore } from "@lg/core";
import type { FigureRow } from "./figures.js";
import { outageGraph } from "./graph.js";
import { scenarioExecutionId, SLACK_MS, STEPS, type ScenarioResult } from "./midrun.js";
import { describeCodes, isUnavailable, settle } from "./outcome.js";

/** A store pointed at something that is not a working server of its kind. */
export interface UnreachableCase {
  /** The scenario's name in the figures, e.g. `silent server at connect`. */
  scenario: string;
  /** The store's name in the figures. */
  storeName: string;
  /** The store; the scenario closes it. */
  store: CheckpointStore;
  /** The documented bound of the first call, in milliseconds. */
  boundMs: number;
  /** How the bound follows from the store's documentation. */
  boundNote: string;
}

/**
 * Starts a run on the store and checks that it fails with `StoreUnavailableError` within the bound plus
 * {@link SLACK_MS}, and that `close()` then returns within the slack.
 */
export async function unreachableAtStart(target: UnreachableCase): Promise<ScenarioResult> {
  const started = performance.now();
  const run = await settle(
    outageGraph(target.store, STEPS).invoke({}, { executionId: scenarioExecutionId(target.scenario) }),
  );
  const elapsed = run.at - started;
  const closing = await settle(target.store.close());
  const closeMs = closing.at - run.at;
  const problems: string[] = [];
  if (!isUnavailable(run.error))
    problems.push(`the run ended with ${describeCodes(run.error)} (${String(run.error)}), not StoreUnavailableError`);
  if (elapsed > target.boundMs + SLACK_MS)
    problems.push(`the error came after ${elapsed.toFixed(0)} ms, bound ${target.boundMs} ms`);
  if (closing.error !== undefined) problems.push(`close() failed: ${String(closing.error)}`);
  if (closeMs > SLACK_MS) problems.push(`close() took ${closeMs.toFixed(0)} ms`);
  const row: FigureRow = {
    scenario: target.scenario,
    store: target.storeName,
    errorCode: describeCodes(run.error),
    timeToErrorMs: Math.round(elapsed),
    boundMs: target.boundMs,
    resumed: null,
    note: `${target.boundNote}; close() ${closeMs.toFixed(0)} ms`,
  };
  return { row, problems };
}
