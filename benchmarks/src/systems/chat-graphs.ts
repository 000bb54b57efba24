/**
 * The growing-state workload's graph on each system: one node, `chat`, that appends one ~1 KB message per step to
 * an appending list and routes back to itself until the list holds `steps` messages — a conversation whose state
 * reaches ~1 MB, run as one execution with a checkpoint per step.
 *
 * @packageDocumentation
 */
import {
  Annotation,
  DeltaChannel,
  END as LG_END,
  START as LG_START,
  type BaseCheckpointSaver,
} from "@langchain/langgraph";
import { END, START, StateGraph, appendReducer, type CheckpointStore, type CompiledGraph } from "@lg/core";
import { chatMessage, type BenchState } from "../payload.js";
import { BenchAnnotation, graphOn, type CompiledApp, type GraphBuilder, type InvokeConfig } from "./langgraph.js";
import { expectEqual, type NodeStartHook } from "./types.js";

const CHAT = "chat";

/** One system's chat graph, ready to run a whole conversation on a new execution. */
export interface ChatRunner {
  /** Runs `steps` steps on `executionId` (one invoke); rejects unless the final state holds every message. */
  run(executionId: string): Promise<void>;
}

/** The messages of a run, built before it starts so that a step's own work is only picking the next one. */
function messagesFor(steps: number): string[] {
  return Array.from({ length: steps }, (_, i) => chatMessage(i));
}

/** @lg: the `log` channel with `appendReducer`, checkpointed to `store` (or not at all when it is undefined). */
export function lgChatRunner(steps: number, store: CheckpointStore | undefined, onNode: NodeStartHook): ChatRunner {
  const messages = messagesFor(steps);
  const graph = new StateGraph<BenchState>({ channels: { log: { reducer: appendReducer, default: () => [] } } });
  graph.addNode(CHAT, (state) => {
    onNode();
    return { log: [messages[state.log.length] ?? ""] };
  });
  graph.addEdge(START, CHAT);
  graph.addConditionalEdges(CHAT, (state) => (state.log.length < steps ? CHAT : END));
  const app: CompiledGraph<BenchState> = graph.compile({
    ...(store === undefined ? {} : { checkpoint: { store } }),
    recursionLimit: steps + 10,
  });
  return {
    run: async (executionId) => {
      const result = await app.invoke({ log: [] }, { executionId });
      expectEqual("@lg growing final log length", result.state.log.length, steps);
    },
  };
}

/** Which LangGraph channel holds the conversation. */
export type LangGraphChannelKind = "standard" | "delta";

/**
 * LangGraph's `DeltaChannel` (beta in @langchain/langgraph 1.7.3): a checkpoint stores a sentinel instead of the
 * list, the step's writes carry the new items, and a full snapshot is written every 100 updates (its default).
 * The batch reducer concatenates, which is batching-invariant as the channel requires.
 */
const DeltaAnnotation = Annotation.Root({
  log: () =>
    new DeltaChannel<string[], string[]>((state, writes) => state.concat(...writes), { initialValueFactory: () => [] }),
});

/**
 * LangGraph JS: the `log` channel as an Annotation with a concat reducer (`standard`, the whole list in every
 * checkpoint) or as a `DeltaChannel` (`delta`), with `saver` as checkpointer (none when undefined) and
 * `durability: "sync"`, so every step's checkpoint is written before the next step starts, as @lg does.
 */
export function langGraphChatRunner(
  steps: number,
  kind: LangGraphChannelKind,
  saver: BaseCheckpointSaver | undefined,
  onNode: NodeStartHook,
): ChatRunner {
  const messages = messagesFor(steps);
  const graph: GraphBuilder = kind === "delta" ? graphOn(DeltaAnnotation) : graphOn(BenchAnnotation);
  graph.addNode(CHAT, (state) => {
    onNode();
    return { log: [messages[state.log.length] ?? ""] };
  });
  graph.addEdge(LG_START, CHAT);
  graph.addConditionalEdges(CHAT, (state) => (state.log.length < steps ? CHAT : LG_END));
  const app: CompiledApp = graph.compile(saver === undefined ? {} : { checkpointer: saver });
  return {
    run: async (threadId) => {
      const config: InvokeConfig = { configurable: { thread_id: threadId }, recursionLimit: steps + 10 };
      if (saver !== undefined) config.durability = "sync";
      const state = await app.invoke({ log: [] }, config);
      expectEqual(`LangGraph (${kind}) growing final log length`, state.log.length, steps);
    },
  };
}
