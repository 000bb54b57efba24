import { INPUT_NODE, INTERRUPT_NODE, UPDATE_NODE } from "../checkpoint.js";
import { InvalidGraphError } from "../errors.js";
import type { Channels } from "./channels.js";
import { CompiledGraph, isCompiledGraph } from "./compiled-graph.js";
import { END, START } from "./constants.js";
import type { CheckpointStore } from "../store.js";
import { resolveRetryPolicy, type ResolvedRetryPolicy } from "./retry.js";
import { subgraphNode, type SubgraphOptions } from "./subgraph.js";
import type { CompileOptions, NodeFunction, NodeOptions, Router } from "./types.js";

const DEFAULT_MAX_FAN_OUT = 1000;

const RESERVED = new Set([START, END, INPUT_NODE, UPDATE_NODE, INTERRUPT_NODE]);

/** A conditional edge: a router and an optional map from its answers to node names. */
export interface ConditionalEdge<S> {
  /** Picks the next node(s). */
  router: Router<S>;
  /** Maps router answers to node names (an array means "the answers are node names, and only these"). */
  pathMap: Readonly<Record<string, string>> | undefined;
}

/** The graph's structure as `compile` freezes it: read by the runtime. */
export interface GraphSpec<S> {
  /** Per-key channel specs. */
  channels: Channels<S>;
  /** Nodes in the order they were added (that order decides how parallel updates merge). */
  nodes: ReadonlyMap<string, NodeFunction<S>>;
  /** Static edges by source node (including `START`). */
  edges: ReadonlyMap<string, readonly string[]>;
  /** Conditional edges by source node (including `START`). */
  branches: ReadonlyMap<string, readonly ConditionalEdge<S>[]>;
  /** Each node's retry policy and timeout, the graph's defaults applied. */
  nodeOptions: ReadonlyMap<string, ResolvedNodeOptions>;
  /** Most sends one step may start. */
  maxFanOut: number;
  /** The nodes that are compiled graphs (subgraphs). */
  subgraphs: ReadonlySet<string>;
}

/** A node's options with the graph's defaults applied. */
export interface ResolvedNodeOptions {
  /** Its retry policy, when it has one. */
  retry?: ResolvedRetryPolicy;
  /** Its timeout in milliseconds, when it has one. */
  timeoutMs?: number;
}

/** Options of the {@link StateGraph} constructor. */
export interface StateGraphOptions<S> {
  /** Reducers and defaults per state key. Keys without a spec overwrite. */
  channels?: Channels<S>;
}

/**
 * Builds a graph of nodes over a shared state `S`.
 *
 * ```ts
 * const app = new StateGraph<{ steps: string[] }>({ channels: { steps: { reducer: appendReducer, default: () => [] } } })
 *   .addNode("a", () => ({ steps: ["a"] }))
 *   .addEdge(START, "a").addEdge("a", END)
 *   .compile({ checkpoint: { store } });
 * ```
 *
 * @typeParam S - the state shape (a plain object).
 */
export class StateGraph<S extends object> {
  private readonly channels: Channels<S>;
  private readonly nodes = new Map<string, NodeFunction<S>>();
  private readonly edges = new Map<string, string[]>();
  private readonly branches = new Map<string, ConditionalEdge<S>[]>();
  private readonly nodeOptions = new Map<string, NodeOptions>();
  private readonly subgraphs = new Map<string, (store: CheckpointStore | undefined) => NodeFunction<S>>();

  /** Creates an empty graph. */
  constructor(options: StateGraphOptions<S> = {}) {
    checkGraphOptions(options);
    this.channels = { ...(options.channels ?? {}) };
  }

  /**
   * Adds a node. Names must be unique and not reserved (`__start__`, `__end__`, `__input__` …). `options` give it a
   * retry policy and a timeout of its own.
   */
  addNode(name: string, fn: NodeFunction<S>, options?: NodeOptions): this;
  /**
   * Adds a compiled graph as a node (a subgraph): it runs as an execution of its own under this one, checkpointed in
   * this graph's store; a pause inside it pauses this graph, and resuming continues inside it.
   */
  addNode<C extends object>(name: string, graph: CompiledGraph<C>, options?: NodeOptions & SubgraphOptions<S, C>): this;
  addNode<C extends object>(
    name: string,
    fn: NodeFunction<S> | CompiledGraph<C>,
    options: NodeOptions & SubgraphOptions<S, C> = {},
  ): this {
    if (typeof name !== "string" || name.length === 0)
      throw new InvalidGraphError("a node name must be a non-empty string");
    if (RESERVED.has(name)) throw new InvalidGraphError(`"${name}" is a reserved name; choose another node name`);
    if (name.includes("#")) {
      throw new InvalidGraphError(
        `node name "${name}" contains "#", which labels the tasks send() starts (node#index)`,
      );
    }
    if (this.nodes.has(name)) throw new InvalidGraphError(`node "${name}" is already defined`);
    // By brand: the subgraph may come from the other build (ESM or CommonJS) of @lg/core in this process.
    const subgraph = isCompiledGraph<C>(fn) ? fn : undefined;
    if (subgraph === undefined && typeof fn !== "function") {
      throw new InvalidGraphError(`node "${name}" must be a function or a compiled graph`);
    }
    if (options === null || typeof options !== "object")
      throw new InvalidGraphError(`the options of node "${name}" must be an object`);
    resolveRetryPolicy(options.retry, `node "${name}"`);
    checkTimeout(`node "${name}" timeoutMs`, options.timeoutMs);
    if (subgraph !== undefined) {
      for (const key of ["input", "output"] as const) {
        if (options[key] !== undefined && typeof options[key] !== "function") {
          throw new InvalidGraphError(`the ${key} of subgraph node "${name}" must be a function`);
        }
      }
      // The node function needs the store the parent is compiled with: it is made in compile().
      this.subgraphs.set(name, (store) =>
        subgraphNode<S, C>(name, { run: (s, input, o) => subgraph.runOn(s, input, o) }, store, options),
      );
      this.nodes.set(name, () => undefined);
    } else {
      this.nodes.set(name, fn as NodeFunction<S>);
    }
    this.nodeOptions.set(name, {
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    return this;
  }

  /** Adds an edge: after `from` runs, `to` runs in the next super-step. `from` may be `START`, `to` may be `END`. */
  addEdge(from: string, to: string): this {
    const targets = this.edges.get(from) ?? [];
    targets.push(to);
    this.edges.set(from, targets);
    return this;
  }

  /**
   * Adds a conditional edge: after `from` runs (and the super-step's updates are merged), `router(state)` picks the
   * next node(s), optionally through `pathMap` (router answer → node name).
   */
  addConditionalEdges(
    from: string,
    router: Router<S>,
    pathMap?: Readonly<Record<string, string>> | readonly string[],
  ): this {
    if (typeof router !== "function") throw new InvalidGraphError(`the router of "${from}" must be a function`);
    if (pathMap !== undefined && (pathMap === null || typeof pathMap !== "object")) {
      throw new InvalidGraphError(`the path map of "${from}" must be an object or an array of node names`);
    }
    const map = Array.isArray(pathMap)
      ? Object.fromEntries(pathMap.map((name: string) => [name, name]))
      : (pathMap as Readonly<Record<string, string>> | undefined);
    const list = this.branches.get(from) ?? [];
    list.push({ router, pathMap: map });
    this.branches.set(from, list);
    return this;
  }

  /** Checks the graph and returns the runnable application. Throws {@link InvalidGraphError} when inconsistent. */
  compile(options: CompileOptions = {}): CompiledGraph<S> {
    this.validate(options);
    const spec: GraphSpec<S> = {
      channels: { ...this.channels },
      nodes: new Map(
        [...this.nodes].map(([name, fn]) => [name, this.subgraphs.get(name)?.(options.checkpoint?.store) ?? fn]),
      ),
      edges: new Map([...this.edges].map(([k, v]) => [k, [...v]])),
      branches: new Map([...this.branches].map(([k, v]) => [k, [...v]])),
      nodeOptions: this.resolveNodeOptions(options),
      maxFanOut: options.maxFanOut ?? DEFAULT_MAX_FAN_OUT,
      subgraphs: new Set(this.subgraphs.keys()),
    };
    return new CompiledGraph(spec, options);
  }

  private resolveNodeOptions(options: CompileOptions): Map<string, ResolvedNodeOptions> {
    const graphRetry = resolveRetryPolicy(options.retry, "compile");
    const resolved = new Map<string, ResolvedNodeOptions>();
    for (const name of this.nodes.keys()) {
      const own = this.nodeOptions.get(name) ?? {};
      const node: ResolvedNodeOptions = {};
      const retry = resolveRetryPolicy(own.retry, `node "${name}"`) ?? graphRetry;
      if (retry !== undefined) node.retry = retry;
      const timeoutMs = own.timeoutMs ?? options.nodeTimeoutMs;
      if (timeoutMs !== undefined) node.timeoutMs = timeoutMs;
      resolved.set(name, node);
    }
    return resolved;
  }

  private validate(options: CompileOptions): void {
    if (options === null || typeof options !== "object")
      throw new InvalidGraphError("compile(options) takes an object");
    if (!this.edges.has(START) && !this.branches.has(START)) {
      throw new InvalidGraphError("the graph has no entry point: add an edge from START to the first node");
    }
    const known = (name: string): boolean => this.nodes.has(name) || name === END;
    for (const [from, targets] of this.edges) {
      if (from !== START && !this.nodes.has(from)) throw new InvalidGraphError(`edge from unknown node "${from}"`);
      for (const to of targets)
        if (!known(to)) throw new InvalidGraphError(`edge from "${from}" to unknown node "${to}"`);
    }
    for (const [from, list] of this.branches) {
      if (from !== START && !this.nodes.has(from)) {
        throw new InvalidGraphError(`conditional edge from unknown node "${from}"`);
      }
      for (const { pathMap } of list) {
        for (const to of Object.values(pathMap ?? {})) {
          if (!known(to)) throw new InvalidGraphError(`conditional edge from "${from}" maps to unknown node "${to}"`);
        }
      }
    }
    for (const [what, names] of [
      ["interruptBefore", options.interruptBefore],
      ["interruptAfter", options.interruptAfter],
    ] as const) {
      if (names === "*") continue;
      if (names !== undefined && !Array.isArray(names)) {
        throw new InvalidGraphError(`${what} must be an array of node names or "*"`);
      }
      for (const name of names ?? []) {
        if (!this.nodes.has(name)) throw new InvalidGraphError(`${what} names unknown node "${name}"`);
      }
    }
    for (const field of ["name", "version"] as const) {
      const value: unknown = options[field];
      if (value !== undefined && (typeof value !== "string" || value.length === 0))
        throw new InvalidGraphError(`compile option ${field} must be a non-empty string`);
    }
    const limit = options.recursionLimit;
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
      throw new InvalidGraphError(`recursionLimit must be a positive integer, got ${String(limit)}`);
    }
    if (this.subgraphs.size > 0 && options.checkpoint?.store === undefined) {
      throw new InvalidGraphError(
        `the subgraph node(s) ${[...this.subgraphs.keys()].join(", ")} need a checkpoint store: compile({ checkpoint: { store } })`,
      );
    }
    checkTimeout("nodeTimeoutMs", options.nodeTimeoutMs);
    const fanOut = options.maxFanOut;
    if (fanOut !== undefined && !(Number.isSafeInteger(fanOut) && fanOut >= 1)) {
      throw new InvalidGraphError(`maxFanOut must be a positive integer, got ${String(fanOut)}`);
    }
    resolveRetryPolicy(options.retry, "compile");
    validateCheckpointConfig(options);
  }
}

function checkTimeout(what: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) {
    throw new InvalidGraphError(`${what} must be a positive integer number of milliseconds, got ${String(value)}`);
  }
}

function validateCheckpointConfig(options: CompileOptions): void {
  const config = options.checkpoint;
  if (config === undefined) return;
  if (config === null || typeof config !== "object")
    throw new InvalidGraphError("checkpoint must be an object: { store }");
  if (config.autoSave !== undefined && typeof config.autoSave !== "boolean") {
    throw new InvalidGraphError(`checkpoint.autoSave must be true or false, got ${String(config.autoSave)}`);
  }
  if (config.store === null || typeof config.store !== "object" || typeof config.store.save !== "function") {
    throw new InvalidGraphError("checkpoint.store must be a CheckpointStore");
  }
  const { saveInterval, maxCheckpoints } = config;
  if (saveInterval !== undefined && !(Number.isFinite(saveInterval) && saveInterval >= 0)) {
    throw new InvalidGraphError(
      `checkpoint.saveInterval must be a number of milliseconds >= 0, got ${String(saveInterval)}`,
    );
  }
  if (maxCheckpoints !== undefined && !(Number.isSafeInteger(maxCheckpoints) && maxCheckpoints >= 1)) {
    throw new InvalidGraphError(`checkpoint.maxCheckpoints must be a positive integer, got ${String(maxCheckpoints)}`);
  }
}

/** Checks what `new StateGraph(options)` was given, as a JavaScript caller (no type checker) may get it wrong. */
function checkGraphOptions(options: unknown): void {
  if (options === null || typeof options !== "object")
    throw new InvalidGraphError("new StateGraph(options) takes an object: { channels }");
  const channels = (options as { channels?: unknown }).channels;
  if (channels === undefined) return;
  if (channels === null || typeof channels !== "object" || Array.isArray(channels)) {
    throw new InvalidGraphError("channels must be an object of channel specs by state key");
  }
  for (const [key, spec] of Object.entries(channels)) {
    if (spec === null || typeof spec !== "object")
      throw new InvalidGraphError(`channel "${key}" must be an object { reducer?, default? }`);
    for (const member of ["reducer", "default"]) {
      const value = (spec as Record<string, unknown>)[member];
      if (value !== undefined && typeof value !== "function") {
        throw new InvalidGraphError(`the ${member} of channel "${key}" must be a function, got ${typeof value}`);
      }
    }
  }
}
