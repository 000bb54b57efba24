import type { Checkpoint, PauseRecord } from "../checkpoint.js";
import { GraphInterrupt, InvalidGraphError } from "../errors.js";
import type { LeaseFence } from "../registry.js";
import type { CheckpointStore } from "../store.js";
import { Command } from "./command.js";
import { currentResumes, type NodeContext } from "./interrupt.js";
import { pausesOf } from "./tasks.js";
import type { NodeFunction } from "./types.js";

/**
 * How a compiled graph added as a node exchanges state with its parent. Without them the subgraph starts from the
 * parent's state and its whole final state is the node's update (so a key both share with an appending reducer
 * would be appended twice: map it in `output`).
 *
 * @typeParam S - the parent's state. @typeParam C - the subgraph's state.
 */
export interface SubgraphOptions<S, C> {
  /** The subgraph's input, from the parent's state. */
  input?: (state: S) => Partial<C>;
  /** The node's update, from the subgraph's final state (and the parent's state it started from). */
  output?: (result: C, state: S) => Partial<S>;
}

/** What the parent's node needs of the compiled subgraph. */
export interface SubgraphRunner<C> {
  /** Runs (or resumes) the subgraph on `store`. */
  run(
    store: CheckpointStore,
    input: Partial<C> | Command<C> | null,
    options: { executionId: string; signal: AbortSignal; metadata: Record<string, unknown>; lease?: LeaseFence },
  ): Promise<unknown>;
}

/** Metadata key of a subgraph's checkpoints: how many of the parent's answers its runs have been given. */
const ANSWERS_KEY = "parentAnswers";

/**
 * The execution id of the subgraph that a parent's task runs in one step: under the parent's execution, named by the
 * task (the node, or a send's label) and the step (`stepId` and number), so a resume finds the same subgraph run and
 * a fork of the parent starts a new one that never sees the other branch's progress.
 */
export function subgraphExecutionId(executionId: string, task: string, stepId: string, step: number): string {
  return [executionId, task, stepId, String(step)].join(SUBGRAPH_SEPARATOR);
}

/** What separates the parts of a subgraph's execution id: the parent's execution id comes first. */
export const SUBGRAPH_SEPARATOR = "::";

/**
 * The node function that runs a subgraph. It starts the subgraph's own execution (checkpointed in the parent's
 * store), and carries pauses both ways: a pause inside the subgraph pauses the parent with the same value; the
 * parent's answer (its `Command({ resume })`) is handed to the subgraph, which continues where it paused. After a
 * crash it continues the subgraph from its latest checkpoint; once the subgraph has finished, its state is the node's
 * update (through `output`).
 */
export function subgraphNode<S, C>(
  name: string,
  child: SubgraphRunner<C>,
  store: CheckpointStore | undefined,
  options: SubgraphOptions<S, C>,
): NodeFunction<S> {
  return async (state: S, context: NodeContext) => {
    if (store === undefined) {
      throw new InvalidGraphError(
        `the subgraph node "${name}" needs a checkpoint store: compile the parent graph with one`,
      );
    }
    // By task, not node: several sends to one subgraph node are several runs.
    const executionId = subgraphExecutionId(context.executionId, context.task, context.stepId, context.superstep);
    const answers = currentResumes();
    const run = (input: Partial<C> | Command<C> | null, given: number) =>
      child.run(store, input, {
        executionId,
        signal: context.signal,
        metadata: { [ANSWERS_KEY]: given },
        // A worker's lease fences the subgraph's saves too (by the parent's record): a worker that lost it commits
        // nothing inside the subgraph either.
        ...(context.lease === undefined ? {} : { lease: context.lease }),
      });
    for (;;) {
      const latest = await store.latest(executionId);
      if (latest === undefined) {
        await run(options.input?.(state) ?? (state as unknown as Partial<C>), 0);
        continue;
      }
      if (latest.next.length === 0) return options.output?.(latest.state as C, state) ?? (latest.state as Partial<S>);
      const given = await answersGiven(store, latest);
      const pauses = pausesOf(latest);
      if (pauses.length === 0) {
        await run(null, given); // the subgraph stopped between steps (a crash): continue it
        continue;
      }
      if (answers.length <= given) throw new GraphInterrupt(pauseValue(pauses));
      const inside = pauses.some((p) => p.when === "inside");
      await run(inside ? new Command<C>({ resume: answers[given] }) : null, given + 1);
    }
  };
}

/** How far back a subgraph's checkpoints are searched for the count of answers it was given. */
const MAX_ANCESTORS = 64;

/**
 * How many of the parent's answers the subgraph's runs were given: recorded on every checkpoint those runs write. A
 * checkpoint written another way (an `updateState` on the subgraph's execution) does not carry it, so its ancestors
 * are asked: the count never falls back to 0 and an earlier answer is never handed to a later question.
 */
async function answersGiven(store: CheckpointStore, cp: Checkpoint): Promise<number> {
  let current: Checkpoint | undefined = cp;
  for (let i = 0; current !== undefined && i < MAX_ANCESTORS; i++) {
    const given = current.metadata[ANSWERS_KEY];
    if (typeof given === "number" && Number.isSafeInteger(given) && given >= 0) return given;
    current = current.parentId === undefined ? undefined : await store.load(current.parentId);
  }
  return 0;
}

/** What the parent's pause shows: the subgraph's one question, or its questions by node (answer them by node). */
function pauseValue(pauses: readonly PauseRecord[]): unknown {
  const valueOf = (p: PauseRecord): unknown => (p.when === "inside" ? p.value : { node: p.node, when: p.when });
  if (pauses.length === 1) return valueOf(pauses[0] as PauseRecord);
  return Object.fromEntries(pauses.map((p) => [p.task ?? p.node, valueOf(p)]));
}
