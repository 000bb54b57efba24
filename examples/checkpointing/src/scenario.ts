import { Command, NodeError, type CheckpointStore } from "@lg/core";
import { buildPipeline, type Faults } from "./pipeline.js";

/** Where the scenario prints; `console.log` by default. */
export type Print = (line: string) => void;

/** Options of {@link runScenario}. */
export interface ScenarioOptions {
  /** Where lines go (default `console.log`). */
  print?: Print;
  /**
   * Runs the first, crashing attempt. By default it runs in this process and step2 throws; the SQLite example
   * passes a function that runs it in a child process that dies in step2.
   */
  crashingRun?: (executionId: string, print: Print) => Promise<void>;
}

async function crashInProcess(app: ReturnType<typeof buildPipeline>, executionId: string, print: Print): Promise<void> {
  try {
    await app.invoke({}, { executionId });
  } catch (error) {
    if (!(error instanceof NodeError)) throw error;
    print(`   crashed: ${error.message.split(". ")[0]}`);
  }
}

/**
 * Runs the whole story on one store and prints each step: a run that crashes in step2, a resume from the latest
 * checkpoint, a pause for a human's approval and its answer, the history, and a time-travel fork from the
 * checkpoint after step1 with an edited total.
 */
export async function runScenario(
  store: CheckpointStore,
  executionId: string,
  options: ScenarioOptions = {},
): Promise<void> {
  const print = options.print ?? console.log;
  const faults: Faults = { crashInStep2: "throw" };
  const app = buildPipeline({ store, autoSave: true, maxCheckpoints: 20 }, faults);

  print(`1. run "${executionId}"; step2 will crash`);
  if (options.crashingRun === undefined) await crashInProcess(app, executionId, print);
  else await options.crashingRun(executionId, print);
  const saved = await app.getState(executionId);
  print(`   latest checkpoint: v${saved?.version} after ${saved?.nodeName}, next ${JSON.stringify(saved?.next)}`);

  print("2. resume from the latest checkpoint (the crash is fixed)");
  faults.crashInStep2 = "none";
  const paused = await app.invoke(null, { executionId });
  print(`   ran ${JSON.stringify(paused.state.steps)}, total ${paused.state.total}`);
  print(`   paused for a human: ${JSON.stringify(paused.interrupts[0]?.value)}`);

  print("3. the human approves");
  const done = await app.invoke(new Command({ resume: true }), { executionId });
  print(`   ${done.status}: approved=${String(done.state.approved)}, steps ${JSON.stringify(done.state.steps)}`);

  print("4. history (newest first)");
  const history = await app.getStateHistory(executionId);
  for (const snap of history) {
    const parent = snap.parentId === undefined ? "root" : `parent ${snap.parentId.slice(-6)}`;
    print(
      `   v${snap.version} ${snap.nodeName.padEnd(13)} total=${String(snap.values.total).padEnd(4)} next=${JSON.stringify(snap.next)} (${snap.checkpointId.slice(-6)}, ${parent})`,
    );
  }

  const afterStep1 = history.find((snap) => snap.nodeName === "step1");
  if (afterStep1 === undefined) throw new Error("no checkpoint after step1");
  print(`5. time travel: fork from v${afterStep1.version} (after step1) with total set to 1000`);
  const fork = await app.updateState(executionId, { total: 1000 }, { checkpointId: afterStep1.checkpointId });
  print(`   fork checkpoint v${fork.version}, source ${String(fork.metadata.source)}, parent v${afterStep1.version}`);
  const forkPaused = await app.invoke(null, { executionId });
  const forkDone = await app.invoke(new Command({ resume: false }), { executionId });
  print(
    `   fork ${forkPaused.status} then ${forkDone.status}: total ${forkDone.state.total}, approved=${String(forkDone.state.approved)}`,
  );
  const original = await app.getState(executionId, done.checkpointId);
  print(`   the original branch is intact: v${original?.version} total ${original?.values.total}`);
}
