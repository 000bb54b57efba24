import type { LoadTraceContext, PruneTraceContext, SaveTraceContext, StepTraceContext } from "../tracing.js";

/** Any context the runtime's tracing channels publish. */
export type TracedContext = SaveTraceContext | LoadTraceContext | PruneTraceContext | StepTraceContext;

/** The span name of a traced call: `lg.checkpoint.save`, `lg.checkpoint.latest`, `lg.checkpoint.prune`, `lg.graph.step` … */
export function spanName(context: TracedContext): string {
  if ("operation" in context) return `lg.checkpoint.${context.operation}`;
  if ("nodes" in context) return "lg.graph.step";
  if ("keepLast" in context) return "lg.checkpoint.prune";
  return "lg.checkpoint.save";
}

/** The span attributes of a traced call, named `lg.*` (attribute values must be strings, numbers or arrays of them). */
export function spanAttributes(context: TracedContext): Record<string, string | number | string[]> {
  const attributes: Record<string, string | number | string[]> = { "lg.execution_id": context.executionId };
  if ("operation" in context) {
    if (context.checkpointId !== undefined) attributes["lg.checkpoint.id"] = context.checkpointId;
  } else if ("nodes" in context) {
    attributes["lg.step"] = context.step;
    attributes["lg.nodes"] = context.nodes;
    // One node per step is the common case; it gets the same attribute name as a save's node.
    if (context.nodes.length === 1) attributes["lg.node"] = context.nodes[0] as string;
  } else if ("keepLast" in context) {
    attributes["lg.checkpoint.version"] = context.version;
    attributes["lg.prune.keep_last"] = context.keepLast;
  } else {
    attributes["lg.checkpoint.id"] = context.checkpointId;
    attributes["lg.checkpoint.version"] = context.version;
    attributes["lg.node"] = context.node;
  }
  return attributes;
}
