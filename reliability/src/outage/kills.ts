import { setTimeout as sleep } from "node:timers/promises";
import type { OutageBackend } from "./backend.js";
import type { FigureRow } from "./figures.js";
import { outageGraph } from "./graph.js";
import { checkHistory } from "./history.js";
import { referenceRun, sameState, scenarioExecutionId, type ScenarioResult } from "./midrun.js";
import { describeCodes, isUnavailable, settle } from "./outcome.js";

/** Steps of the run whose connections are killed: each save meets a dead connection at least once. */
export const KILL_STEPS = 20;
/**
 * Resumes allowed after typed failures before the scenario gives up (it only stops a run that never finishes). A
 * statement caught by a kill fails typed, the resume's own reads included, and with a kill in every step and another
 * every 5 ms, 3 to 10 such failures in 20 steps are the usual outcome on PostgreSQL: one per step is the bound.
 */
const MAX_RESUMES = KILL_STEPS;
/** How long a step waits for the store's connection to be back, so that it has one to kill. */
const RECONNECT_WAIT_MS = 500;

/**
 * Kills the store's connections, waiting (up to `withinMs`) for one to exist: a client that reconnects in the
 * background after the previous kill (node-redis) may not be back when a fast step starts (an incremental save
 * takes well under a millisecond), and a kill that finds nothing would let the step's save through untouched.
 */
async function killAtLeastOne(backend: OutageBackend, withinMs: number): Promise<number> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    const killed = await backend.killStoreConnections();
    if (killed > 0 || performance.now() >= deadline) return killed;
    await sleep(5);
  }
}

/**
 * Runs the outage graph while the server kills the store's connections, inside every step (so each save finds its
 * connection dead) and in a loop alongside (so some die with a save under way). The run must finish, or fail with
 * `StoreUnavailableError` and finish on `invoke(null)`; the final state and history must equal an uninterrupted
 * run's: nothing lost, nothing applied twice.
 */
export async function connectionsKilledMidRun(backend: OutageBackend): Promise<ScenarioResult> {
  const store = await backend.openStore();
  try {
    const reference = await referenceRun(store, KILL_STEPS);
    const executionId = scenarioExecutionId("connections killed");
    let kills = 0;
    const app = outageGraph(store, KILL_STEPS, async () => {
      kills += backend.reconnectsInBackground
        ? await killAtLeastOne(backend, RECONNECT_WAIT_MS)
        : await backend.killStoreConnections();
    });
    let running = true;
    const killer = (async () => {
      while (running) {
        kills += await backend.killStoreConnections();
        await sleep(5);
      }
    })();
    const started = performance.now();
    const failures: string[] = [];
    let run = await settle(app.invoke({}, { executionId }));
    while (run.error !== undefined && isUnavailable(run.error) && failures.length < MAX_RESUMES) {
      failures.push(describeCodes(run.error));
      run = await settle(app.invoke(null, { executionId }));
    }
    running = false;
    await killer;
    const elapsed = performance.now() - started;
    const problems: string[] = [];
    if (run.error !== undefined) problems.push(`the run ended with ${describeCodes(run.error)}: ${String(run.error)}`);
    else if (run.value === undefined || !sameState(run.value.state, reference.state)) {
      problems.push(
        `the final state ${JSON.stringify(run.value?.state)} differs from ${JSON.stringify(reference.state)}`,
      );
    }
    const history = await checkHistory(store, executionId, reference.history);
    problems.push(...history.problems);
    if (history.versions.length !== reference.history.length) {
      problems.push(`${history.versions.length} checkpoints, ${reference.history.length} in the uninterrupted run`);
    }
    // The loop and the steps race for the same connections: fewer kills than steps is normal, none is not a test.
    if (kills < KILL_STEPS / 4) problems.push(`only ${kills} connections were killed`);
    const row: FigureRow = {
      scenario: "connections killed mid-run",
      store: backend.name,
      errorCode: failures[0] ?? "none",
      timeToErrorMs: Math.round(elapsed),
      boundMs: null,
      resumed: failures.length === 0 ? null : run.error === undefined,
      note: `${kills} connections killed in ${KILL_STEPS} steps; ${failures.length} typed failures; run time shown`,
    };
    return { row, problems };
  } finally {
    await store.close();
  }
}
