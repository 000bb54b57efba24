import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { CheckpointStore } from "@lg/core";
import type { BackendEnv, BackendName, SystemKey } from "../backends.js";
import { removeSystemData } from "../cleanup.js";
import { latestAgainstRaw, type LatestAgainstRaw } from "./growing-latest.js";
import { collectGarbage } from "../harness.js";
import { MESSAGE_BYTES } from "../payload.js";
import type { GrowingRow, GrowingSystem, Unavailable } from "../results.js";
import type { GrowingSettings } from "../settings.js";
import { summarize, type Summary } from "../stats.js";
import { storedBytes } from "../storage-bytes.js";
import {
  langGraphChatRunner,
  lgChatRunner,
  type ChatRunner,
  type LangGraphChannelKind,
} from "../systems/chat-graphs.js";
import { openLangGraphSaver } from "../systems/langgraph-savers.js";
import { openLgStore } from "../systems/lg-stores.js";
import type { NodeStartHook } from "../systems/types.js";

/** What the growing-state workload reports for one backend. */
export interface GrowingOutput {
  /** One row per system measured. */
  rows: GrowingRow[];
  /** Systems that could not run on this backend, and why. */
  unavailable: Unavailable[];
}

/** A system's checkpointer, open. */
interface OpenedSubject {
  /** Builds the chat graph on it. */
  runner: (hook: NodeStartHook, steps: number) => ChatRunner;
  /** Times the latest read of the execution just written against a raw read of the same bytes (@lg only). */
  latest?: (executionId: string) => Promise<LatestAgainstRaw>;
  /** Closes it. */
  close(): Promise<void>;
}

/** One system's way to open its checkpointer on a private name and build its chat graph on it (or on none). */
interface GrowingSubject {
  system: GrowingSystem;
  key: SystemKey;
  /** Opens the checkpointer under `key`; a string says why it cannot run here. */
  open(key: SystemKey): Promise<OpenedSubject | string>;
  /** The same graph without any checkpointer: the step's own work, subtracted from the step time. */
  bare(hook: NodeStartHook, steps: number): ChatRunner;
}

function lgSubject(backend: BackendName, env: BackendEnv): GrowingSubject {
  return {
    system: "lg",
    key: "growing_lg",
    open: async (key) => {
      const opened = await openLgStore(backend, env, key);
      const store: CheckpointStore = opened.store;
      return {
        runner: (hook, steps) => lgChatRunner(steps, store, hook),
        latest: (executionId) => latestAgainstRaw(store, executionId, backend, env),
        close: () => opened.dispose(),
      };
    },
    bare: (hook, steps) => lgChatRunner(steps, undefined, hook),
  };
}

function langGraphSubject(backend: BackendName, env: BackendEnv, kind: LangGraphChannelKind): GrowingSubject {
  return {
    system: kind === "delta" ? "langgraphDelta" : "langgraph",
    key: kind === "delta" ? "growing_delta" : "growing_langgraph",
    open: async (key) => {
      const opened = await openLangGraphSaver(backend, env, key);
      if ("unavailable" in opened) return opened.unavailable;
      const saver: BaseCheckpointSaver = opened.saver;
      return { runner: (hook, steps) => langGraphChatRunner(steps, kind, saver, hook), close: () => opened.dispose() };
    },
    bare: (hook, steps) => langGraphChatRunner(steps, kind, undefined, hook),
  };
}

/**
 * Runs one conversation (on `executionId`, a fresh one by default) and returns each step's time: from one node start
 * to the next (so it covers the save).
 */
async function stepTimes(
  make: (hook: NodeStartHook) => ChatRunner,
  executionId = `bench-growing-${randomUUID()}`,
): Promise<number[]> {
  const marks: number[] = [];
  const runner = make(() => marks.push(performance.now()));
  collectGarbage();
  await runner.run(executionId);
  return marks.slice(1).map((mark, i) => mark - (marks[i] ?? mark));
}

/** Steps `first`..`last` (1-based, inclusive) of each run, pooled; `run[i]` is the time of step i + 1. */
function window(runs: readonly (readonly number[])[], [first, last]: [number, number]): Summary {
  return summarize(runs.flatMap((run) => run.slice(first - 1, last)));
}

/**
 * A short unmeasured conversation with and without the checkpointer, on a store of its own that is dropped before
 * the measured run (its rows must not count as stored). Returns why the system cannot run here, if it cannot.
 */
async function warmUp(
  subject: GrowingSubject,
  backend: BackendName,
  env: BackendEnv,
  steps: number,
): Promise<string | undefined> {
  const warm = await subject.open("growing_warmup");
  if (typeof warm === "string") return warm;
  try {
    await stepTimes((hook) => warm.runner(hook, steps));
    await stepTimes((hook) => subject.bare(hook, steps));
  } finally {
    await warm.close();
    await removeSystemData(backend, env, "growing_warmup");
  }
  return undefined;
}

/**
 * Warms up (unless `warmupSteps` is 0), then runs the bare graph, the conversation with the checkpointer and the bare graph again; the
 * checkpointer's file, schema or keys are measured and removed after.
 */
async function measure(
  subject: GrowingSubject,
  backend: BackendName,
  env: BackendEnv,
  settings: GrowingSettings,
): Promise<GrowingRow | string> {
  if (settings.warmupSteps > 0) {
    const reason = await warmUp(subject, backend, env, settings.warmupSteps);
    if (reason !== undefined) return reason;
  }
  const steps = settings.steps;
  // The bare graph runs before and after the measured run and its windows pool both: a step without a checkpointer
  // takes microseconds to a few milliseconds, so one run's window on a busy machine is mostly noise.
  const bareBefore = await stepTimes((hook) => subject.bare(hook, steps));
  const opened = await subject.open(subject.key);
  if (typeof opened === "string") return opened;
  let times: number[];
  let runMs: number;
  let latest: LatestAgainstRaw | undefined;
  try {
    const executionId = `bench-growing-${randomUUID()}`;
    const start = performance.now();
    times = await stepTimes((hook) => opened.runner(hook, steps), executionId);
    runMs = performance.now() - start;
    latest = await opened.latest?.(executionId);
  } finally {
    await opened.close();
  }
  const bareAfter = await stepTimes((hook) => subject.bare(hook, steps));
  try {
    const bytes = await storedBytes(backend, env, subject.key);
    const last = times.length;
    const early = settings.earlyWindow;
    const late: [number, number] = [Math.max(1, last - settings.lateWindowSteps + 1), last];
    const stepEarly = window([times], early);
    const stepLate = window([times], late);
    const baselineEarly = window([bareBefore, bareAfter], early);
    const baselineLate = window([bareBefore, bareAfter], late);
    return {
      backend,
      system: subject.system,
      steps,
      earlyWindow: early,
      lateWindow: late,
      overheadEarly: stepEarly.p50 - baselineEarly.p50,
      overheadLate: stepLate.p50 - baselineLate.p50,
      stepEarly,
      stepLate,
      baselineEarly,
      baselineLate,
      runMs,
      storedBytes: bytes,
      messageBytes: steps * MESSAGE_BYTES,
      stepTimes: times.map((t) => Math.round(t * 1000) / 1000),
      ...(latest === undefined
        ? {}
        : { latest: latest.latest, rawLatest: latest.raw, latestStateBytes: latest.stateBytes }),
    };
  } finally {
    await removeSystemData(backend, env, subject.key);
  }
}

/**
 * Workload "growing": a chat-like conversation, one node appending one ~1 KB message per step to an appending list
 * (@lg `appendReducer`; LangGraph JS an Annotation with a concat reducer, and its DeltaChannel beta), `steps`
 * steps on one execution with a checkpoint written (and awaited) per step, each system on a file, schema or key
 * prefix of its own. Reports the per-step overhead near the start and near the end of the conversation (median
 * step time of a window minus the same window's median without a checkpointer) and the bytes the backend holds
 * for the whole execution, beside the bytes of the messages themselves. Not run on memory (nothing is stored).
 */
export async function growingWorkload(
  backend: BackendName,
  env: BackendEnv,
  settings: GrowingSettings,
  skipLangGraph: boolean,
  log: (message: string) => void,
): Promise<GrowingOutput> {
  const output: GrowingOutput = { rows: [], unavailable: [] };
  if (backend === "memory") return output;
  const subjects = [lgSubject(backend, env)];
  if (!skipLangGraph)
    subjects.push(langGraphSubject(backend, env, "standard"), langGraphSubject(backend, env, "delta"));
  for (const subject of subjects) {
    const result = await measure(subject, backend, env, settings);
    if (typeof result === "string") {
      const column = subject.system === "langgraphDelta" ? "langgraph" : subject.system;
      output.unavailable.push({ backend, system: column, reason: result });
      log(`${backend} growing: ${subject.system} not measured (${result})`);
      continue;
    }
    log(`${backend} growing: ${subject.system} ${result.steps} steps in ${(result.runMs / 1000).toFixed(1)} s`);
    output.rows.push(result);
  }
  return output;
}
