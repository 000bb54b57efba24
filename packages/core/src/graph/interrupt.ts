import { AsyncLocalStorage } from "node:async_hooks";
import { GraphInterrupt, InvalidGraphError } from "../errors.js";
import type { StepCall, StepOptions } from "./effects.js";
import type { LeaseFence } from "../registry.js";

/** What a running node knows about itself; handed to every node function as its second argument. */
export interface NodeContext {
  /** The node's name. */
  readonly node: string;
  /** The execution it runs in. */
  readonly executionId: string;
  /** The super-step number. */
  readonly superstep: number;
  /**
   * Names the step this node runs in, the same on every attempt and every resume of that step, and different on a
   * fork: the checkpoint the step began from (its id), or the execution id when nothing was saved yet. Use it with
   * `superstep` and `node` to build idempotency keys for effects outside the graph.
   */
  readonly stepId: string;
  /** The task: the node's name, or `node#index` for a task started by `send()`. */
  readonly task: string;
  /** Same as the exported {@link interrupt}: pauses for a human, or returns the human's answer on resume. */
  interrupt<T = unknown>(value: unknown): T;
  /**
   * Aborted when the run is cancelled (`invoke(..., { signal })`), its consumer stops reading the stream, or the node
   * passes its `timeoutMs`: pass it on to `fetch` and other cancellable calls.
   */
  readonly signal: AbortSignal;
  /**
   * The worker's lease the run is made under (`createWorker`), when it is: every save of the run is fenced by it,
   * and a subgraph node runs its graph under it.
   */
  readonly lease?: LeaseFence;
  /** 1 for the first attempt, then 2, 3 … when a retry policy runs the node again. */
  readonly attempt: number;
  /** Sends `value` to the run's `stream(..., { streamMode: "custom" })` consumers at once (LLM tokens, progress). */
  emit(value: unknown): void;
  /**
   * Runs an effect once: calls `fn` and records what it resolved with (or threw) in the step's task results, written
   * to the store before this call returns. When the node runs again — a retry, a resume after a pause or a crash,
   * another worker — the recorded value is returned (a recorded failure is thrown as `StepFailedError`) and `fn` is
   * not called. Calls are told apart by `name` and their order (a second `step("send")` in one run of the node is
   * another effect). The value must be storable (see `encodeValue`). Recorded results are kept with the step's task
   * results and go once the step completes.
   *
   * A process that dies after `fn` finished and before the record was stored runs `fn` again: `fn` gets the effect's
   * idempotency key (`call.key`, the same on every call of this effect) to make that second call a no-op where the
   * effect lands (a payment API's idempotency key, a unique column).
   */
  step<T>(name: string, fn: (call: StepCall) => T | Promise<T>, options?: StepOptions): Promise<T>;
}

interface InterruptScope {
  resumes: readonly unknown[];
  used: number;
}

// One scope for every copy of `@lg/core` in the process (its ESM and CommonJS builds may both be loaded): a node run
// by one copy may call the `interrupt` exported by the other.
const SCOPE_KEY = Symbol.for("@lg/core/interrupt-scope");
const registry = globalThis as { [SCOPE_KEY]?: AsyncLocalStorage<InterruptScope> };
const scope: AsyncLocalStorage<InterruptScope> = (registry[SCOPE_KEY] ??= new AsyncLocalStorage<InterruptScope>());

/** The resume answers given to the node that is running (for a subgraph node, which hands them to its graph). */
export function currentResumes(): readonly unknown[] {
  return scope.getStore()?.resumes ?? [];
}

/** Runs `fn` with the resume values given to this node, so `interrupt()` inside it can answer them in order. */
export function runWithResumes<T>(resumes: readonly unknown[], fn: () => T): T {
  return scope.run({ resumes, used: 0 }, fn);
}

/**
 * Pauses the run for a human inside a node. The first time, it throws a {@link GraphInterrupt} carrying `value`;
 * the runtime saves a checkpoint and `invoke` returns `{ status: "interrupted", interrupts: [{ node, value }] }`.
 * When the execution is resumed with `new Command({ resume: answer })`, the node runs again and this call returns
 * `answer`. A node may call `interrupt` several times; answers are matched in call order.
 *
 * @typeParam T - the type of the human's answer.
 */
export function interrupt<T = unknown>(value: unknown): T {
  const current = scope.getStore();
  if (current === undefined) {
    throw new InvalidGraphError("interrupt() can only be called inside a node while a graph runs");
  }
  if (current.used < current.resumes.length) return current.resumes[current.used++] as T;
  throw new GraphInterrupt(value);
}
