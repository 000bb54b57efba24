import { tracingChannel, type TracingChannel } from "node:diagnostics_channel";

/** Tracing channel of every checkpoint save the runtime makes (context: {@link SaveTraceContext}). */
export const SAVE_CHANNEL = "lg:checkpoint:save";
/** Tracing channel of the runtime's checkpoint reads: `load`, `latest` and `list` (context: {@link LoadTraceContext}). */
export const LOAD_CHANNEL = "lg:checkpoint:load";
/** Tracing channel of the retention passes after a save (context: {@link PruneTraceContext}). */
export const PRUNE_CHANNEL = "lg:checkpoint:prune";
/** Tracing channel around each super-step's nodes (context: {@link StepTraceContext}). */
export const STEP_CHANNEL = "lg:graph:step";

/**
 * What `node:diagnostics_channel` adds to a traced call's context object once it settles: `result` when it
 * resolved, `error` when it rejected. Subscribers read them in `asyncEnd` and `error`.
 */
export interface TraceOutcome {
  /** The call's result (set before `asyncStart`/`asyncEnd` when it resolved). */
  result?: unknown;
  /** The call's rejection reason (set before the `error` event). */
  error?: unknown;
}

/** Context of a {@link SAVE_CHANNEL} event: the checkpoint being committed. */
export interface SaveTraceContext extends TraceOutcome {
  /** The execution the checkpoint belongs to. */
  executionId: string;
  /** The checkpoint's id. */
  checkpointId: string;
  /** The checkpoint's version. */
  version: number;
  /** The node whose completion produced it. */
  node: string;
}

/** Context of a {@link LOAD_CHANNEL} event: which read the runtime made. */
export interface LoadTraceContext extends TraceOutcome {
  /** The store method called. */
  operation: "load" | "latest" | "list";
  /** The execution read. */
  executionId: string;
  /** The checkpoint asked for (`load` only). */
  checkpointId?: string;
}

/** Context of a {@link PRUNE_CHANNEL} event: one retention pass of an execution. */
export interface PruneTraceContext extends TraceOutcome {
  /** The execution pruned. */
  executionId: string;
  /** How many newest checkpoints are kept. */
  keepLast: number;
  /** The execution's newest version when the pass started. */
  version: number;
}

/** Context of a {@link STEP_CHANNEL} event: one super-step of a run. */
export interface StepTraceContext extends TraceOutcome {
  /** The execution running. */
  executionId: string;
  /** The step number (as in the checkpoint's `metadata.step`). */
  step: number;
  /** The nodes the step runs, in graph order, each once. */
  nodes: string[];
}

/** The four channels, created once: `tracingChannel` hands back the same named channels to every subscriber. */
const channels = {
  save: tracingChannel<unknown, SaveTraceContext>(SAVE_CHANNEL),
  load: tracingChannel<unknown, LoadTraceContext>(LOAD_CHANNEL),
  prune: tracingChannel<unknown, PruneTraceContext>(PRUNE_CHANNEL),
  step: tracingChannel<unknown, StepTraceContext>(STEP_CHANNEL),
};

/** Which traced operation a call belongs to. */
export type TracedOperation = keyof typeof channels;

/** The context type each traced operation publishes. */
export interface TraceContexts {
  /** See {@link SaveTraceContext}. */
  save: SaveTraceContext;
  /** See {@link LoadTraceContext}. */
  load: LoadTraceContext;
  /** See {@link PruneTraceContext}. */
  prune: PruneTraceContext;
  /** See {@link StepTraceContext}. */
  step: StepTraceContext;
}

// `TracingChannel.hasSubscribers` itself only exists from Node 20.13; its sub-channels' flags exist in every Node 20.
function subscribed(channel: TracingChannel<unknown, object>): boolean {
  return (
    channel.start.hasSubscribers ||
    channel.end.hasSubscribers ||
    channel.asyncStart.hasSubscribers ||
    channel.asyncEnd.hasSubscribers ||
    channel.error.hasSubscribers
  );
}

/**
 * Runs `fn` inside the operation's tracing channel. With nobody subscribed it calls `fn` and nothing else: the
 * context is built by `context()` only when someone listens, so untraced runs pay one flag check per call.
 * The call's result and error pass through unchanged.
 */
export function traced<K extends TracedOperation, T>(
  operation: K,
  context: () => TraceContexts[K],
  fn: () => Promise<T>,
): Promise<T> {
  const channel = channels[operation] as TracingChannel<unknown, TraceContexts[K]>;
  if (!subscribed(channel)) return fn();
  // The async wrapper hands tracePromise the native promise it needs even when a store returns another thenable.
  return channel.tracePromise(async () => fn(), context());
}
