import type { SendRecord } from "../checkpoint.js";
import { InvalidGraphError } from "../errors.js";
import { END, START } from "./constants.js";
import { isSend, type Destination } from "./send.js";
import type { GraphSpec } from "./state-graph.js";
import type { StepTask } from "./tasks.js";

/** Sorts node names by the order the nodes were added, dropping duplicates: the deterministic merge order. */
export function orderByGraph<S>(spec: GraphSpec<S>, names: Iterable<string>): string[] {
  const wanted = new Set(names);
  const ordered: string[] = [];
  for (const name of spec.nodes.keys()) if (wanted.has(name)) ordered.push(name);
  return ordered;
}

/** The next super-step: nodes reached by edges (ordered by the graph) and sends (in the order they were made). */
export interface NextStep {
  /** Nodes reached by static and conditional edges or a goto. */
  next: string[];
  /** Tasks started by `send()`. */
  sends: SendRecord[];
}

/**
 * Sorts destinations (node names and sends from routers or gotos) into the next step, checking every name. More
 * than `maxFanOut` sends in one step is an {@link InvalidGraphError}: a runaway fan-out stops before it starts.
 */
export function toNextStep<S>(spec: GraphSpec<S>, destinations: Iterable<Destination>, from: string): NextStep {
  const names = new Set<string>();
  const sends: SendRecord[] = [];
  for (const destination of destinations) {
    if (isSend(destination)) {
      if (typeof destination.node !== "string" || !spec.nodes.has(destination.node)) {
        throw new InvalidGraphError(
          `a send after "${from}" names ${JSON.stringify(destination.node)}, which is not a node`,
        );
      }
      sends.push({ node: destination.node, input: destination.input });
    } else if (destination !== END) {
      names.add(destination);
    }
  }
  if (sends.length > spec.maxFanOut) {
    throw new InvalidGraphError(
      `the step after "${from}" sends ${sends.length} tasks, more than maxFanOut (${spec.maxFanOut}); ` +
        "raise compile({ maxFanOut }) if that many is intended",
    );
  }
  return { next: orderByGraph(spec, names), sends };
}

/**
 * The next super-step after `ran` (node names): the static and conditional successors of every node that ran (or of
 * `START`), with routers evaluated on the merged state, plus `extra` destinations (a node's goto); `END` dropped.
 */
export async function nextStep<S>(
  spec: GraphSpec<S>,
  ran: readonly string[],
  state: S,
  extra: readonly Destination[] = [],
): Promise<NextStep> {
  const targets: Destination[] = [];
  for (const from of ran) {
    targets.push(...(spec.edges.get(from) ?? []));
    for (const { router, pathMap } of spec.branches.get(from) ?? []) {
      const answer = await router(state);
      for (const choice of Array.isArray(answer) ? answer : [answer]) {
        if (isSend(choice)) {
          targets.push(choice);
          continue;
        }
        const to = pathMap === undefined ? choice : pathMap[choice as string];
        if (to === undefined || (to !== END && !spec.nodes.has(to))) {
          throw new InvalidGraphError(
            `the router after "${from}" returned ${JSON.stringify(choice)}, which is not a node` +
              (pathMap === undefined ? "" : " in its path map"),
          );
        }
        targets.push(to);
      }
    }
  }
  return toNextStep(spec, [...targets, ...extra], ran.join(","));
}

/** Node names of a step's static nodes and the nodes of its sends, ordered by the graph: what `Checkpoint.next` lists. */
export function stepNodes<S>(spec: GraphSpec<S>, step: NextStep): string[] {
  return orderByGraph(spec, [...step.next, ...step.sends.map((s) => s.node)]);
}

/** The first super-step. */
export function entryStep<S>(spec: GraphSpec<S>, state: S): Promise<NextStep> {
  return nextStep(spec, [START], state);
}

/** Static tasks in graph order (the merge order of parallel nodes), then sends in the order they were made. */
export function orderTasks<S>(spec: GraphSpec<S>, tasks: StepTask[]): StepTask[] {
  const statics = new Map(tasks.filter((t) => !t.sent).map((t) => [t.node, t]));
  return [
    ...orderByGraph(spec, statics.keys()).map((node) => statics.get(node) as StepTask),
    ...tasks.filter((t) => t.sent),
  ];
}
