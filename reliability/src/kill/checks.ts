import { isDeepStrictEqual } from "node:util";
import type { CheckpointStore } from "@lg/core";
import type { KillRecord } from "./campaign.js";
import { buildCountingGraph, expectedStateAt, FINAL_VERSION, type CountingState } from "./graph.js";

function repeated(items: readonly number[]): number[] {
  return items.filter((item, i) => items.indexOf(item) !== i);
}

/**
 * Checks what a killed-and-resumed execution left in the store and returns the problems found (none: `[]`):
 * - `getState` works and shows a finished execution whose state deep-equals the uninterrupted run's;
 * - no step's effect is in the state twice (the append-reduced lists hold no repeated item);
 * - the history's versions are exactly 1..51: contiguous, no gap, no duplicate;
 * - every checkpoint holds the state of its version and continues from the one before it (`parentId`).
 */
export async function checkExecution(
  store: CheckpointStore,
  executionId: string,
  reference: CountingState,
): Promise<string[]> {
  const problems: string[] = [];
  const app = buildCountingGraph(store);
  const latest = await app.getState(executionId);
  if (latest === undefined) return [`${executionId}: getState found no checkpoint`];
  if (latest.next.length > 0)
    problems.push(`${executionId}: not finished, next ${JSON.stringify(latest.next)} at v${latest.version}`);
  if (!isDeepStrictEqual(latest.values, reference)) {
    problems.push(`${executionId}: final state differs from the uninterrupted run's: ${JSON.stringify(latest.values)}`);
  }
  for (const key of ["steps", "squares"] as const) {
    const twice = repeated(latest.values[key]);
    if (twice.length > 0) problems.push(`${executionId}: ${key} applied twice: ${JSON.stringify(twice)}`);
  }
  const history = await app.getStateHistory(executionId, { order: "asc" });
  const versions = history.map((snapshot) => snapshot.version);
  const contiguous = Array.from({ length: FINAL_VERSION }, (_, i) => i + 1);
  if (!isDeepStrictEqual(versions, contiguous))
    problems.push(`${executionId}: versions ${JSON.stringify(versions)}, expected 1..${FINAL_VERSION}`);
  history.forEach((snapshot, i) => {
    if (!isDeepStrictEqual(snapshot.values, expectedStateAt(snapshot.version))) {
      problems.push(`${executionId}: v${snapshot.version} holds ${JSON.stringify(snapshot.values.steps)} as its steps`);
    }
    const parent = history[i - 1];
    if (parent !== undefined && snapshot.parentId !== parent.checkpointId) {
      problems.push(
        `${executionId}: v${snapshot.version} continues from ${String(snapshot.parentId)}, not from v${parent.version}`,
      );
    }
  });
  return problems;
}

/** The latest versions a kill of this kind at `at` may leave stored. */
function versionsAfter(kill: KillRecord): [lowest: number, highest: number] {
  const before = kill.versions[0];
  switch (kill.kind) {
    case "node":
    case "before-save":
      return [kill.at - 1, kill.at - 1]; // the step's checkpoint was never issued
    case "after-save":
      return [kill.at, kill.at]; // it was confirmed, and nothing after it ran
    case "inside-save":
      return [kill.at - 1, kill.at]; // issued: it landed or it did not, nothing in between, nothing after
    case "wall-clock":
      return [before, kill.at - 1]; // anywhere in the span, but never the save the child was held before
  }
}

/**
 * Checks that each kill fell where it claims, from the latest version stored right after it (returns the problems
 * found): a `node` or `before-save` kill leaves the version before its point, an `after-save` kill its point, an
 * `inside-save` kill one of the two, a `wall-clock` kill anything from where its child started to just before the
 * save it was held at.
 */
export function checkKillPoints(executionId: string, kills: readonly KillRecord[]): string[] {
  return kills.flatMap((kill) => {
    const [lowest, highest] = versionsAfter(kill);
    const after = kill.versions[1];
    if (after >= lowest && after <= highest) return [];
    return [`${executionId}: ${kill.kind} kill at v${kill.at} left v${after} stored, expected v${lowest}..v${highest}`];
  });
}
