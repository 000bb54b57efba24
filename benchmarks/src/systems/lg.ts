import {
  END,
  START,
  StateGraph,
  appendReducer,
  createCheckpointId,
  type Checkpoint,
  type CheckpointStore,
  type CompiledGraph,
} from "@lg/core";
import { SEEDED_ENTRIES, linearNodeName, logEntry, stateWithEntries, workerName, type BenchState } from "../payload.js";
import { expectEqual, type CheckpointOps, type GraphRunner, type GraphShapes, type NodeStartHook } from "./types.js";

const DISPATCH = "dispatch";

function newGraph(): StateGraph<BenchState> {
  return new StateGraph<BenchState>({ channels: { log: { reducer: appendReducer, default: () => [] } } });
}

function linearGraph(
  steps: number,
  store: CheckpointStore | undefined,
  onNode: NodeStartHook,
): CompiledGraph<BenchState> {
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
  return graph.compile({ ...(store === undefined ? {} : { checkpoint: { store } }), recursionLimit: steps + 10 });
}

/**
 * dispatch → worker_0..worker_{w-1} (one super-step, in parallel) → dispatch … for `rounds` rounds. The router
 * counts rounds from the log length: dispatch and every worker append one entry each.
 */
function fanoutGraph(shapes: GraphShapes, store: CheckpointStore | undefined): CompiledGraph<BenchState> {
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
  return graph.compile({
    ...(store === undefined ? {} : { checkpoint: { store } }),
    recursionLimit: 2 * shapes.fanoutRounds + 10,
  });
}

/** Entries in the final state of the fan-out graph. */
export function fanoutEntries(shapes: GraphShapes): number {
  return shapes.fanoutRounds * (shapes.fanoutWidth + 1) + 1;
}

/** The benchmark graphs on @lg, checkpointing to `store` (or not at all when it is undefined). */
export function lgGraphs(shapes: GraphShapes, store: CheckpointStore | undefined, onNode: NodeStartHook): GraphRunner {
  const linear = linearGraph(shapes.linearSteps, store, onNode);
  const short = linearGraph(shapes.concurrentSteps, store, () => undefined);
  const fanout = fanoutGraph(shapes, store);
  const run = async (app: CompiledGraph<BenchState>, executionId: string, entries: number): Promise<void> => {
    const result = await app.invoke({ log: [] }, { executionId });
    expectEqual("@lg final log length", result.state.log.length, entries);
  };
  return {
    linear: (id) => run(linear, id, shapes.linearSteps),
    shortLinear: (id) => run(short, id, shapes.concurrentSteps),
    fanout: (id) => run(fanout, id, fanoutEntries(shapes)),
    cleanup: async (id) => {
      if (store !== undefined) await store.clear(id);
    },
  };
}

function seededCheckpoint(executionId: string, version: number, parentId: string | undefined): Checkpoint<BenchState> {
  const cp: Checkpoint<BenchState> = {
    id: createCheckpointId(),
    executionId,
    nodeName: "seed",
    state: stateWithEntries(SEEDED_ENTRIES),
    metadata: { source: "loop", step: version, execution_id: executionId },
    timestamp: new Date(),
    version,
    next: ["seed"],
  };
  if (parentId !== undefined) cp.parentId = parentId;
  return cp;
}

/** Direct store operations on @lg: `save`, `latest`, `list({ order: "desc", limit })`. */
export function lgCheckpointOps(store: CheckpointStore): CheckpointOps {
  const lastSaved = new Map<string, { id: string; version: number }>();
  return {
    seed: async (executionId, count) => {
      // Ids are minted in version order first (they are time-ordered), then saved in batches.
      const cps: Checkpoint<BenchState>[] = [];
      for (let v = 1; v <= count; v++) cps.push(seededCheckpoint(executionId, v, cps[v - 2]?.id));
      for (let i = 0; i < cps.length; i += 64) await Promise.all(cps.slice(i, i + 64).map((cp) => store.save(cp)));
    },
    latest: async (executionId) => {
      const cp = await store.latest(executionId);
      expectEqual("@lg latest state size", (cp?.state as BenchState | undefined)?.log.length, SEEDED_ENTRIES);
    },
    history: async (executionId, limit) => {
      const page = await store.list(executionId, { order: "desc", limit });
      expectEqual("@lg history page size", page.length, limit);
    },
    saveNext: async (executionId) => {
      const last = lastSaved.get(executionId);
      const cp = seededCheckpoint(executionId, (last?.version ?? 0) + 1, last?.id);
      await store.save(cp);
      lastSaved.set(executionId, { id: cp.id, version: cp.version });
    },
    cleanup: async (executionId) => {
      lastSaved.delete(executionId);
      await store.clear(executionId);
    },
  };
}
