import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { submit, waitFor } from "@lg/core";
import { openStore } from "../kill/stores.js";
import type { ChaosEnvironment } from "./environment.js";
import { Fleet, type ReportedError } from "./fleet.js";
import { buildZombieGraph, type ZombieState } from "./graph.js";
import type { ChaosSettings } from "./settings.js";
import { pollUntil, within } from "./wait.js";
import { READY_WITHIN_MS } from "./campaign.js";

/** What the zombie scenario saw. */
export interface ZombieOutcome {
  /** Problems found (empty: it passed). */
  problems: string[];
  /** Errors the zombie reported after it was resumed, as `where:code`. */
  zombieErrors: string[];
  /** Milliseconds from SIGSTOP to the other worker's start of the same step. */
  takeoverMs: number;
  /** Versions of the finished execution. */
  versions: number;
}

const EXECUTION = "zombie-execution";
const LEASE_LOST = "LG_LEASE_LOST";

/**
 * A worker is stopped with SIGSTOP while its execution's node waits inside a `context.step` for the driver's go file;
 * its lease expires, a second worker claims the execution and reaches the same step; the go file appears, the second
 * worker finishes. Then the first is resumed with SIGCONT: its step completes with its own marker, and the save that
 * would record it must be refused with `LeaseLostError` while the history keeps no trace of the marker.
 */
export async function runZombieScenario(
  environment: ChaosEnvironment,
  settings: ChaosSettings,
): Promise<ZombieOutcome> {
  const problems: string[] = [];
  const goFile = join(environment.dir, "zombie-go");
  const store = await openStore(environment.spec);
  const ignore = (): void => undefined;
  const graph = buildZombieGraph(store, { worker: "driver", goFile, onWaiting: ignore, onAbort: ignore });
  const fleet = new Fleet(
    environment.script,
    {
      store: environment.spec,
      graph: "zombie",
      concurrency: 1,
      leaseMs: settings.leaseMs,
      heartbeatMs: settings.heartbeatMs,
      pollMs: settings.pollMs,
      stepDelayMs: 0,
      goFile,
    },
    "zombie-worker",
  );
  const waitingIn =
    (workerId: string): (() => boolean) =>
    () =>
      fleet.waiting.some((w) => w.workerId === workerId);
  const bounded = async (what: string, check: () => Promise<boolean> | boolean, withinMs: number): Promise<void> => {
    if (!(await pollUntil(check, withinMs, 50))) throw new Error(`zombie scenario: ${what} within ${withinMs} ms`);
  };
  try {
    const zombie = fleet.start();
    await within(zombie.ready, READY_WITHIN_MS, "the first worker did not start");
    await submit(graph, {}, { executionId: EXECUTION });
    await bounded("the first worker did not reach the step", waitingIn(zombie.id), 30_000);
    zombie.child.kill("SIGSTOP");
    const stoppedAt = Date.now();
    const rescuer = fleet.start();
    await bounded("the second worker did not take the execution over", waitingIn(rescuer.id), 30_000);
    const takeoverMs = Date.now() - stoppedAt;
    const owner = (await store.registry?.get(EXECUTION))?.owner;
    if (owner !== rescuer.id) problems.push(`the registry names ${String(owner)} as owner, not ${rescuer.id}`);
    writeFileSync(goFile, "go");
    const result = await waitFor<ZombieState>(graph, EXECUTION, { timeoutMs: 60_000 });
    zombie.child.kill("SIGCONT");
    const refused = (): boolean =>
      fleet.errors.some(
        (e) => e.workerId === zombie.id && e.where === "save" && e.fenced === true && e.code === LEASE_LOST,
      );
    if (!(await pollUntil(refused, 30_000, 50)))
      problems.push("the resumed zombie's save was not refused with LeaseLostError");
    const seen = fleet.errors.filter((e: ReportedError) => e.workerId === zombie.id);
    const zombieErrors = seen.map((e) => `${e.where}:${e.code}${e.version === undefined ? "" : `@v${e.version}`}`);
    // A node's signal is also aborted, with a plain error, when its run ends: only saves and the worker must agree.
    const foreign = seen
      .filter((e) => e.where !== "signal" && e.code !== LEASE_LOST)
      .map((e) => `${e.where}:${e.code}`);
    if (foreign.length > 0) problems.push(`the zombie saw other errors than LeaseLostError: ${foreign.join(", ")}`);
    if (result.status !== "done") problems.push(`waitFor says ${result.status}`);
    if (result.state.marker !== rescuer.id || !result.state.finished)
      problems.push(`final state ${JSON.stringify(result.state)}, expected the marker ${rescuer.id}`);
    const history = await store.list(EXECUTION);
    const numbers = history.map((checkpoint) => checkpoint.version);
    if (!numbers.every((version, i) => version === i + 1))
      problems.push(`versions ${numbers.join(",")} are not contiguous`);
    for (const checkpoint of history)
      if (JSON.stringify(checkpoint).includes(zombie.id))
        problems.push(`checkpoint version ${checkpoint.version} holds the zombie's marker`);
    const record = await store.registry?.get(EXECUTION);
    if (record?.status !== "done") problems.push(`the registry record is ${String(record?.status)}`);
    for (const crash of fleet.crashes) problems.push(`a worker exited on its own: ${crash}`);
    return { problems, zombieErrors, takeoverMs, versions: history.length };
  } finally {
    await fleet.stopAll();
    await store.close();
  }
}
