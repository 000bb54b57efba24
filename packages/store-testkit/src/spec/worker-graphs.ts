import {
  appendReducer,
  END,
  interrupt,
  START,
  StateGraph,
  type CheckpointStore,
  type CompiledGraph,
  type NodeContext,
} from "@lg/core";

/** State of the worker spec's graphs: the nodes that ran, in order. */
export interface ChainState {
  done: string[];
  answer?: string;
}

/** Counts each `ctx.step` effect by execution and node: exactly once is a count of 1 everywhere. */
export class EffectCounter {
  readonly counts = new Map<string, number>();

  /** Counts one call. */
  add(executionId: string, node: string): void {
    const key = `${executionId}/${node}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** The keys counted more than once. */
  repeated(): string[] {
    return [...this.counts].filter(([, n]) => n > 1).map(([key]) => key);
  }
}

/** Hooks a chain's nodes call: before the effect (to hold a node inside its step) and inside the effect. */
export interface ChainHooks {
  /** Awaited by every node before its effect. */
  before?: (node: string, ctx: NodeContext) => Promise<void> | void;
}

/** `length` nodes in a row, each recording one effect with `ctx.step`; optionally a pause for a human after the first. */
export function chainGraph(
  store: CheckpointStore,
  options: { name: string; version?: string; length: number; ask?: boolean; failAt?: string },
  effects: EffectCounter,
  hooks: ChainHooks = {},
): CompiledGraph<ChainState> {
  const graph = new StateGraph<ChainState>({ channels: { done: { reducer: appendReducer, default: () => [] } } });
  const names = Array.from({ length: options.length }, (_, i) => `n${i + 1}`);
  for (const name of names) {
    graph.addNode(name, async (_state: ChainState, ctx: NodeContext) => {
      await hooks.before?.(name, ctx);
      await ctx.step("effect", () => effects.add(ctx.executionId, name));
      if (name === options.failAt) throw new Error(`node ${name} refuses`);
      if (options.ask === true && name === "n1") return { done: [name], answer: interrupt<string>("go on?") };
      return { done: [name] };
    });
  }
  graph.addEdge(START, names[0] as string);
  names.slice(1).forEach((name, i) => graph.addEdge(names[i] as string, name));
  graph.addEdge(names[names.length - 1] as string, END);
  const version = options.version ?? "1";
  return graph.compile({ name: options.name, version, checkpoint: { store } });
}

/** Polls `check` until it is true or `withinMs` passes; fails with `what` then. */
export async function eventually(what: string, check: () => Promise<boolean>, withinMs = 20_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** State of the parent of {@link nestedGraph}. */
export interface NestedState {
  topic: string;
  report?: string;
}

/** A parent whose one node is a subgraph recording an effect with `ctx.step`: its saves go under the worker's lease. */
export function nestedGraph(store: CheckpointStore, effects: EffectCounter): CompiledGraph<NestedState> {
  const inner = new StateGraph<{ topic: string; found?: string }>({ channels: {} })
    .addNode("search", async (state, ctx: NodeContext) => ({
      found: await ctx.step("search", () => (effects.add(ctx.executionId, "search"), `notes on ${state.topic}`)),
    }))
    .addEdge(START, "search")
    .addEdge("search", END)
    .compile();
  return new StateGraph<NestedState>({ channels: {} })
    .addNode("research", inner, { output: (result) => ({ report: result.found ?? "" }) })
    .addEdge(START, "research")
    .compile({ name: "nested", checkpoint: { store } });
}
