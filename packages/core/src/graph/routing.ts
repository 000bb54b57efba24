import { InvalidGraphError } from "../errors.js";
import { END, START } from "./constants.js";
import type { GraphSpec } from "./state-graph.js";

/** Sorts node names by the order the nodes were added, dropping duplicates: the deterministic merge order. */
export function orderByGraph<S>(spec: GraphSpec<S>, names: Iterable<string>): string[] {
  const wanted = new Set(names);
  const ordered: string[] = [];
  for (const name of spec.nodes.keys()) if (wanted.has(name)) ordered.push(name);
  return ordered;
}

/**
 * The nodes of the next super-step: the static and conditional successors of every node that just ran (or of
 * `START`), with routers evaluated on the merged state; `END` dropped; ordered by the graph.
 */
export async function nextNodes<S>(spec: GraphSpec<S>, ran: readonly string[], state: S): Promise<string[]> {
  const targets = new Set<string>();
  for (const from of ran) {
    for (const to of spec.edges.get(from) ?? []) targets.add(to);
    for (const { router, pathMap } of spec.branches.get(from) ?? []) {
      const answer = await router(state);
      for (const choice of Array.isArray(answer) ? answer : [answer]) {
        const to = pathMap === undefined ? choice : pathMap[choice];
        if (to === undefined || (to !== END && !spec.nodes.has(to))) {
          throw new InvalidGraphError(
            `the router after "${from}" returned ${JSON.stringify(choice)}, which is not a node` +
              (pathMap === undefined ? "" : " in its path map"),
          );
        }
        targets.add(to);
      }
    }
  }
  targets.delete(END);
  return orderByGraph(spec, targets);
}

/** The first super-step's nodes. */
export function entryNodes<S>(spec: GraphSpec<S>, state: S): Promise<string[]> {
  return nextNodes(spec, [START], state);
}
