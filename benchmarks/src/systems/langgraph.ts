import { Annotation, END, START, StateGraph, type AnnotationRoot, type StateDefinition } from "@langchain/langgraph";
import {
  uuid5,
  uuid6,
  type BaseCheckpointSaver,
  type Checkpoint,
  type ChannelVersions,
} from "@langchain/langgraph-checkpoint";
import { SEEDED_ENTRIES, linearNodeName, logEntry, stateWithEntries, workerName, type BenchState } from "../payload.js";
import { fanoutEntries } from "./lg.js";
import { expectEqual, type CheckpointOps, type GraphRunner, type GraphShapes, type NodeStartHook } from "./types.js";

/** LangGraph's checkpoint durability: `sync` waits for each save before the next step, `async` does not. */
export type Durability = "sync" | "async";

/**
 * The part of LangGraph's `StateGraph` builder these graphs use. Its own types track node names through generics,
 * which a graph built in a loop cannot express; the calls are the documented ones.
 */
export interface GraphBuilder {
  addNode(name: string, fn: (state: BenchState) => Partial<BenchState>): GraphBuilder;
  addEdge(from: string, to: string): GraphBuilder;
  addConditionalEdges(from: string, router: (state: BenchState) => string | string[]): GraphBuilder;
  compile(options: { checkpointer?: BaseCheckpointSaver }): CompiledApp;
}

/** The invoke options these graphs pass: the thread, the step limit and (with a saver) the durability. */
export interface InvokeConfig {
  configurable: { thread_id: string };
  recursionLimit: number;
  durability?: Durability;
}

/** A compiled graph, as far as these benchmarks call it. */
export interface CompiledApp {
  invoke(input: BenchState, config: InvokeConfig): Promise<BenchState>;
}

const DISPATCH = "dispatch";

/** The benchmark state on LangGraph: `log` with a concat reducer (the whole list is stored in every checkpoint). */
export const BenchAnnotation = Annotation.Root({
  log: Annotation<string[]>({ reducer: (current, update) => current.concat(update), default: () => [] }),
});

/** A LangGraph `StateGraph` builder on `annotation`, typed as {@link GraphBuilder}. */
export function graphOn<S extends StateDefinition>(annotation: AnnotationRoot<S>): GraphBuilder {
  return new StateGraph(annotation) as unknown as GraphBuilder;
}

function newGraph(): GraphBuilder {
  return graphOn(BenchAnnotation);
}

function linearGraph(steps: number, saver: BaseCheckpointSaver | undefined, onNode: NodeStartHook): CompiledApp {
  const graph = newGraph();
  for (let i = 0; i < steps; i++) {
    const name = linearNodeName(i);
    graph.addNode(name, () => {
      onNode();
      return { log: [logEntry(name, i)] };
    });
    graph.addEdge(i === 0 ? START : linearNodeName(i - 1), name);
  }
  graph.addEdge(linearNodeName(steps - 1), END);
  return graph.compile(saver === undefined ? {} : { checkpointer: saver });
}

/** The same fan-out graph as `lg.ts`: dispatch → w parallel workers → dispatch …, for `rounds` rounds. */
function fanoutGraph(shapes: GraphShapes, saver: BaseCheckpointSaver | undefined): CompiledApp {
  const width = shapes.fanoutWidth;
  const workers = Array.from({ length: width }, (_, i) => workerName(i));
  const graph = newGraph();
  graph.addNode(DISPATCH, (state) => ({ log: [logEntry(DISPATCH, state.log.length)] }));
  for (const name of workers) {
    graph.addNode(name, (state) => ({ log: [logEntry(name, state.log.length)] }));
    graph.addEdge(name, DISPATCH);
  }
  graph.addEdge(START, DISPATCH);
  graph.addConditionalEdges(DISPATCH, (state) =>
    (state.log.length - 1) / (width + 1) < shapes.fanoutRounds ? workers : END,
  );
  return graph.compile(saver === undefined ? {} : { checkpointer: saver });
}

/**
 * The benchmark graphs on LangGraph JS with `saver` as checkpointer (none when undefined), invoked with the given
 * durability.
 */
export function langGraphGraphs(
  shapes: GraphShapes,
  saver: BaseCheckpointSaver | undefined,
  durability: Durability,
  onNode: NodeStartHook,
): GraphRunner {
  const linear = linearGraph(shapes.linearSteps, saver, onNode);
  const short = linearGraph(shapes.concurrentSteps, saver, () => undefined);
  const fanout = fanoutGraph(shapes, saver);
  const run = async (app: CompiledApp, threadId: string, entries: number, supersteps: number): Promise<void> => {
    const config: InvokeConfig = { configurable: { thread_id: threadId }, recursionLimit: supersteps + 10 };
    if (saver !== undefined) config.durability = durability;
    const state = await app.invoke({ log: [] }, config);
    expectEqual("LangGraph final log length", state.log.length, entries);
  };
  return {
    linear: (id) => run(linear, id, shapes.linearSteps, shapes.linearSteps),
    shortLinear: (id) => run(short, id, shapes.concurrentSteps, shapes.concurrentSteps),
    fanout: (id) => run(fanout, id, fanoutEntries(shapes), 2 * shapes.fanoutRounds + 1),
    cleanup: async (id) => {
      if (saver !== undefined) await saver.deleteThread(id);
    },
  };
}

/** A saver whatever its channel version type (numbers for memory, strings for SQL savers). */
type AnyVersionSaver = BaseCheckpointSaver<number | string>;

interface Saved {
  id: string;
  version: ChannelVersions[string];
  step: number;
}

/**
 * Writes one checkpoint the way LangGraph's loop does for a step that changed the `log` channel: the channel
 * values, a new channel version, and `newVersions` naming the changed channel (savers that store channel blobs
 * separately write one blob).
 */
async function putCheckpoint(
  saver: AnyVersionSaver,
  threadId: string,
  id: string,
  previous: Saved | undefined,
): Promise<Saved> {
  const version = saver.getNextVersion(previous?.version);
  const checkpoint: Checkpoint = {
    v: 4,
    id,
    ts: new Date().toISOString(),
    channel_values: { log: stateWithEntries(SEEDED_ENTRIES).log },
    channel_versions: { log: version },
    versions_seen: {},
  };
  const step = (previous?.step ?? 0) + 1;
  const configurable: Record<string, string> = { thread_id: threadId, checkpoint_ns: "" };
  if (previous !== undefined) configurable.checkpoint_id = previous.id;
  await saver.put({ configurable }, checkpoint, { source: "loop", step, parents: {} }, { log: version });
  return { id, version, step };
}

/**
 * Stores the write of the task that ran from checkpoint `checkpointId` (one log entry), as LangGraph's loop does
 * with `putWrites` during each step: a history written by real runs has these next to every checkpoint but the
 * newest, and LangGraph's `getTuple` and `list` read them back.
 */
async function putTaskWrites(
  saver: AnyVersionSaver,
  threadId: string,
  checkpointId: string,
  step: number,
): Promise<void> {
  const config = { configurable: { thread_id: threadId, checkpoint_ns: "", checkpoint_id: checkpointId } };
  await saver.putWrites(config, [["log", [logEntry("seed", step)]]], uuid5(`${checkpointId}:${step}`, TASK_NAMESPACE));
}

/** Namespace of the task ids of seeded writes (any fixed UUID). */
const TASK_NAMESPACE = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

/** Direct saver operations on LangGraph JS: `put`, `getTuple` (latest), `list({ limit })`. */
export function langGraphCheckpointOps(saver: AnyVersionSaver): CheckpointOps {
  const lastSaved = new Map<string, Saved>();
  const config = (threadId: string) => ({ configurable: { thread_id: threadId, checkpoint_ns: "" } });
  return {
    seed: async (threadId, count) => {
      // The chain (ids, versions) is built in order first — uuid6 ids sort by time, and LangGraph passes the step
      // as clock sequence — then written in batches, each checkpoint naming its predecessor as parent.
      const chain: Saved[] = [];
      for (let i = 0; i < count; i++) {
        chain.push({ id: uuid6(i + 1), version: saver.getNextVersion(chain[i - 1]?.version), step: i + 1 });
      }
      for (let i = 0; i < count; i += 64) {
        const batch = chain.slice(i, i + 64);
        await Promise.all(
          batch.map(async (s, j) => {
            const parent = chain[i + j - 1];
            await putCheckpoint(saver, threadId, s.id, parent);
            if (parent !== undefined) await putTaskWrites(saver, threadId, parent.id, s.step);
          }),
        );
      }
    },
    latest: async (threadId) => {
      const tuple = await saver.getTuple(config(threadId));
      const log = tuple?.checkpoint.channel_values.log as string[] | undefined;
      expectEqual("LangGraph latest state size", log?.length, SEEDED_ENTRIES);
    },
    history: async (threadId, limit) => {
      let count = 0;
      for await (const tuple of saver.list(config(threadId), { limit })) if (tuple !== undefined) count++;
      expectEqual("LangGraph history page size", count, limit);
    },
    saveNext: async (threadId) => {
      const previous = lastSaved.get(threadId);
      const id = uuid6((previous?.step ?? 0) + 1);
      lastSaved.set(threadId, await putCheckpoint(saver, threadId, id, previous));
    },
    cleanup: async (threadId) => {
      lastSaved.delete(threadId);
      await saver.deleteThread(threadId);
    },
  };
}
