import { END, START } from "./constants.js";
import type { GraphSpec } from "./state-graph.js";

/**
 * A compiled graph's structure for drawing (an inspector, documentation): its nodes and the edges between them,
 * read from what `compile` froze, without running anything.
 *
 * @packageDocumentation
 */

/** A node of a {@link GraphShape}. */
export interface GraphShapeNode {
  /** Its name; `START` (`__start__`) and `END` (`__end__`) are included. */
  name: string;
  /** Whether it is a compiled graph run as a subgraph. */
  subgraph: boolean;
}

/**
 * An edge of a {@link GraphShape}: `static` from `addEdge`, `conditional` a target a router's path map names, and
 * `possible` where a router has no path map, so any node (or the end) may follow and the drawing cannot know which.
 */
export interface GraphShapeEdge {
  /** Node it leaves. */
  source: string;
  /** Node it reaches. */
  target: string;
  /** How it was declared. */
  kind: "static" | "conditional" | "possible";
}

/** A graph's nodes (in the order they were added, between `START` and `END`) and edges. */
export interface GraphShape {
  /** Nodes. */
  nodes: GraphShapeNode[];
  /** Edges, each source's static ones first. */
  edges: GraphShapeEdge[];
}

/** The shape of a compiled graph's spec. */
export function shapeOf<S>(spec: GraphSpec<S>): GraphShape {
  const names = [...spec.nodes.keys()];
  const nodes: GraphShapeNode[] = [
    { name: START, subgraph: false },
    ...names.map((name) => ({ name, subgraph: spec.subgraphs.has(name) })),
    { name: END, subgraph: false },
  ];
  const edges: GraphShapeEdge[] = [];
  const seen = new Set<string>();
  const add = (source: string, target: string, kind: GraphShapeEdge["kind"]): void => {
    const key = `${source}\u0000${target}`;
    if (seen.has(key)) return; // one line per pair: the first (strongest) declaration wins
    seen.add(key);
    edges.push({ source, target, kind });
  };
  for (const source of [START, ...names]) {
    for (const target of spec.edges.get(source) ?? []) add(source, target, "static");
    for (const branch of spec.branches.get(source) ?? []) {
      if (branch.pathMap !== undefined)
        for (const target of Object.values(branch.pathMap)) add(source, target, "conditional");
      else for (const target of [...names, END]) add(source, target, "possible");
    }
  }
  return { nodes, edges };
}
