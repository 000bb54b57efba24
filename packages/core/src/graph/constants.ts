/** The virtual entry node: `addEdge(START, "first")` names where a run begins. */
export const START = "__start__";

/** The virtual exit node: an edge to `END` finishes the run on that path. */
export const END = "__end__";
