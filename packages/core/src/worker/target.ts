import { InvalidArgumentError } from "../errors.js";
import type { GraphInput } from "../graph/compiled-graph.js";
import type { InvokeOptions, RunResult } from "../graph/types.js";
import type { ExecutionRegistry } from "../registry.js";
import type { CheckpointStore } from "../store.js";

/**
 * What workers, `submit` and `waitFor` need of a compiled graph: its name and version, its store, and `invoke`. Every
 * `CompiledGraph` is one.
 */
export interface WorkerGraph {
  /** The graph's name (`compile({ name })`). */
  readonly name: string | undefined;
  /** The graph's version (`compile({ version })`). */
  readonly version: string;
  /** The store the graph was compiled with. */
  readonly store: CheckpointStore | undefined;
  /** Runs the graph (see `CompiledGraph.invoke`). */
  invoke(input: GraphInput<never>, options?: InvokeOptions): Promise<RunResult<object>>;
}

/** A named graph whose store keeps an execution registry. */
export interface RegistryTarget {
  /** The graph's name. */
  name: string;
  /** Its store. */
  store: CheckpointStore;
  /** The store's registry. */
  registry: ExecutionRegistry;
}

/** The graph's name, store and registry; `InvalidArgumentError` saying what is missing for `what`. */
export function registryTarget(graph: WorkerGraph, what: string): RegistryTarget {
  if (graph === null || typeof graph !== "object" || typeof graph.invoke !== "function")
    throw new InvalidArgumentError(`${what} needs a compiled graph`);
  const name = graph.name;
  if (name === undefined) throw new InvalidArgumentError(`${what} needs a named graph: compile({ name, checkpoint })`);
  const store = graph.store;
  if (store === undefined)
    throw new InvalidArgumentError(`${what} needs the graph "${name}" compiled with a checkpoint store`);
  const registry = store.registry;
  if (registry === undefined)
    throw new InvalidArgumentError(
      `${what} needs a store with an execution registry (SQLite, PostgreSQL, Redis or memory); ` +
        `the store of graph "${name}" has none`,
    );
  return { name, store, registry };
}
