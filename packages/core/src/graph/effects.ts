/**
 * `context.step(name, fn)`: effects inside a node that happen once. What `fn` resolved with (or threw) is recorded in
 * the step's task results and written to the store before the node goes on; when the node runs again — a retry, a
 * resume after a pause, a crash, another worker — the recorded outcome is handed back and `fn` is not called.
 */
import type { RecordedStep } from "../checkpoint.js";
import { InvalidArgumentError, isLgError, messageOf } from "../errors.js";
import { StepFailedError } from "../worker-errors.js";
import { ownValue, setOwn } from "../own.js";
import { NO_RETRY, resolveRetryPolicy, retryDelayMs, type RetryPolicy } from "./retry.js";
import { nodeRecord } from "./tasks.js";

/** Options of `context.step`. */
export interface StepOptions {
  /**
   * Call `fn` again when it throws, before its failure is recorded (same fields as a node's retry policy; default: no
   * retry). A failure that is recorded is final: every later run of the node gets it back as `StepFailedError`.
   */
  retry?: RetryPolicy;
}

/** What `fn` of `context.step(name, fn)` is called with. */
export interface StepCall {
  /**
   * The effect's idempotency key: the same on every call of this effect (a retry, a resume, another worker), another
   * for another effect or on a fork. Hand it to the service the effect reaches (a payment API's idempotency key, a
   * unique column) and the effect happens once even when the process dies between `fn` and the record.
   */
  key: string;
  /** Aborted when the run is cancelled or the node times out. */
  signal: AbortSignal;
}

/** Records one step's outcome durably; resolves once the store confirmed it. */
export type StepWriter = (steps: Record<string, Record<string, RecordedStep>>) => Promise<void>;

/**
 * The recorded steps of one super-step, shared by its tasks and their attempts: read when a task asks for a step,
 * added to (and written, one write at a time) when a step's `fn` settles.
 */
export class StepEffects {
  /** By task id, then by step key; null-prototype records. */
  private readonly byTask = nodeRecord<Record<string, RecordedStep>>();
  private writing: Promise<void> = Promise.resolve();
  /** The tasks that recorded an outcome during this run (the base's do not count). */
  readonly recordedHere = new Set<string>();
  /** Set when the step's outcomes were collected: an attempt still running (timed out, cancelled) records nothing. */
  private closed = false;

  constructor(
    recorded: Record<string, Record<string, RecordedStep>>,
    private readonly write: StepWriter | undefined,
  ) {
    for (const task of Object.keys(recorded)) {
      const steps = nodeRecord<RecordedStep>();
      for (const [key, step] of Object.entries(recorded[task] as Record<string, RecordedStep>))
        setOwn(steps, key, step);
      setOwn(this.byTask, task, steps);
    }
  }

  /**
   * Ends recording, once the step's outcomes are in, whatever attempts are still running; resolves when a write
   * already under way is done, so that the step's own checkpoint comes after it.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.writing;
  }

  /** Every recorded step, by task: what a checkpoint of the unfinished step keeps. */
  get all(): Record<string, Record<string, RecordedStep>> {
    const copy = nodeRecord<Record<string, RecordedStep>>();
    for (const task of Object.keys(this.byTask)) setOwn(copy, task, { ...(this.byTask[task] as object) });
    return copy;
  }

  /** The outcome recorded for `key` of `task`, if any. */
  find(task: string, key: string): RecordedStep | undefined {
    const steps = ownValue(this.byTask, task);
    return steps === undefined ? undefined : ownValue(steps, key);
  }

  /**
   * Adds an outcome and writes every recorded step (one write at a time, in call order); resolves when this one is
   * durable. Without a store the outcome is kept in memory for the run's own retries.
   */
  async record(task: string, key: string, outcome: RecordedStep): Promise<void> {
    // The run has moved on: a checkpoint written now would carry this step's state after a later one.
    if (this.closed) throw new Error("the step ended before this effect could be recorded (the attempt ran late)");
    let steps = ownValue(this.byTask, task);
    if (steps === undefined) {
      steps = nodeRecord<RecordedStep>();
      setOwn(this.byTask, task, steps);
    }
    setOwn(steps, key, outcome);
    this.recordedHere.add(task);
    const write = this.write;
    if (write === undefined) return;
    const done = this.writing.then(() => write(this.all));
    // The next write waits for this one whether it fails or not; this caller sees its own failure.
    this.writing = done.catch(() => undefined);
    await done;
  }
}

/** Where a task runs: what an effect's idempotency key is made of. */
export interface StepPlace {
  executionId: string;
  /** `NodeContext.stepId`. */
  stepId: string;
  /** The task id (node name, or `node#index`). */
  task: string;
}

/** The `context.step` of one attempt of one task: counts repeated names so each call has a key of its own. */
export function stepFunction(
  effects: StepEffects,
  place: StepPlace,
  signal: AbortSignal,
): <T>(name: string, fn: (call: StepCall) => T | Promise<T>, options?: StepOptions) => Promise<T> {
  const { task } = place;
  const calls = new Map<string, number>();
  return async <T>(name: string, fn: (call: StepCall) => T | Promise<T>, options?: StepOptions): Promise<T> => {
    if (typeof name !== "string" || name.length === 0)
      throw new InvalidArgumentError("context.step needs a non-empty name");
    if (typeof fn !== "function") throw new InvalidArgumentError(`context.step("${name}") needs a function`);
    const count = (calls.get(name) ?? 0) + 1;
    calls.set(name, count);
    const key = count === 1 ? name : `${name}#${count}`;
    const recorded = effects.find(task, key);
    if (recorded !== undefined) return replay<T>(name, recorded);
    const policy = resolveRetryPolicy(options?.retry, `context.step("${name}")`) ?? NO_RETRY;
    const call: StepCall = { key: JSON.stringify([place.executionId, place.stepId, task, key]), signal };
    for (let attempt = 1; ; attempt++) {
      let value: T;
      try {
        value = await fn(call);
      } catch (error) {
        // Stopped from outside (a timeout, a cancellation): the effect did not finish, nothing is recorded.
        if (signal.aborted) throw error;
        if (attempt < policy.maxAttempts && policy.retryOn(error, attempt)) {
          await new Promise((resolve) => setTimeout(resolve, retryDelayMs(policy, attempt)));
          continue;
        }
        await effects.record(task, key, { error: describeError(error) });
        throw error;
      }
      await effects.record(task, key, { value });
      return value;
    }
  };
}

function replay<T>(name: string, recorded: RecordedStep): T {
  if ("error" in recorded) throw new StepFailedError(name, recorded.error);
  return recorded.value as T;
}

function describeError(error: unknown): { name: string; message: string; code?: string } {
  const name = error instanceof Error ? error.name : typeof error;
  const described: { name: string; message: string; code?: string } = { name, message: messageOf(error) };
  const code = isLgError(error) ? error.code : (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") described.code = code;
  return described;
}
