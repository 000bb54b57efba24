import { existsSync } from "node:fs";
import { appendReducer, END, START, StateGraph, type CheckpointStore, type CompiledGraph } from "@lg/core";
import type { EffectLog } from "./effect-log.js";

/** Nodes of the chain graph: each one a super-step with one counted effect. */
export const CHAIN_NODES: readonly string[] = Array.from(
  { length: 20 },
  (_, i) => `n${String(i + 1).padStart(2, "0")}`,
);

/** Name of the chain graph in the registry. */
export const CHAIN_GRAPH = "chaos-chain";

/** Name of the zombie scenario's graph in the registry. */
export const ZOMBIE_GRAPH = "chaos-zombie";

/** State of the chain graph. */
export interface ChainState {
  /** The landed call id each node's effect recorded, appended in node order: a node applied twice leaves two. */
  trail: string[];
}

/** State of the zombie graph. */
export interface ZombieState {
  /** The id of the worker whose effect call was recorded: only that worker's run could have written it. */
  marker: string;
  /** Set by the node after `wait`. */
  finished: boolean;
}

/** Where the graphs' effects write down their calls, and which process they run in. */
export interface EffectSite {
  log: EffectLog;
  /** The worker process's id. */
  worker: string;
  /** Milliseconds each node waits before its effect: a step that takes time, so that kills find runs under way. */
  stepDelayMs?: number;
}

/**
 * The chain graph: {@link CHAIN_NODES} in a row, each calling one effect through `context.step` that writes its call
 * to the side table, lands the effect under the step's idempotency key and returns the landed call's id, which the
 * node appends to `trail`.
 */
export function buildChainGraph(store: CheckpointStore, site: EffectSite): CompiledGraph<ChainState> {
  let calls = 0;
  let graph = new StateGraph<ChainState>({ channels: { trail: { reducer: appendReducer, default: () => [] } } });
  for (const node of CHAIN_NODES) {
    graph = graph.addNode(node, async (_state, ctx) => {
      if (site.stepDelayMs !== undefined && site.stepDelayMs > 0)
        await new Promise((resolve) => setTimeout(resolve, site.stepDelayMs));
      // The effect lands once per idempotency key, as a payment API given the key does: a call made again because
      // its worker died before the step recorded it lands nothing and answers the first call's id.
      const callId = await ctx.step("effect", ({ key }) =>
        site.log.record({
          executionId: ctx.executionId,
          node,
          worker: site.worker,
          callId: `${site.worker}#${++calls}`,
          key,
        }),
      );
      return { trail: [callId] };
    });
  }
  graph = graph.addEdge(START, CHAIN_NODES[0] as string);
  for (let i = 1; i < CHAIN_NODES.length; i++)
    graph = graph.addEdge(CHAIN_NODES[i - 1] as string, CHAIN_NODES[i] as string);
  return graph
    .addEdge(CHAIN_NODES[CHAIN_NODES.length - 1] as string, END)
    .compile({ name: CHAIN_GRAPH, version: "1", checkpoint: { store }, recursionLimit: CHAIN_NODES.length + 5 });
}

/** Hooks of the zombie graph's worker process. */
export interface ZombieHooks {
  /** The worker process's id, recorded as the marker. */
  worker: string;
  /** The effect waits until this file exists. */
  goFile: string;
  /** Called when the effect starts waiting. */
  onWaiting(executionId: string): void;
  /** Called when the node's signal is aborted (its reason: for a lost lease, `LeaseLostError`). */
  onAbort(executionId: string, reason: unknown): void;
}

/**
 * The zombie graph: `wait` records, through `context.step`, the id of the worker that ran it, once the go file exists
 * (a long step the driver controls); `after` ends the run.
 */
export function buildZombieGraph(store: CheckpointStore, hooks: ZombieHooks): CompiledGraph<ZombieState> {
  return new StateGraph<ZombieState>({
    channels: { marker: { default: () => "" }, finished: { default: () => false } },
  })
    .addNode("wait", async (_state, ctx) => {
      ctx.signal.addEventListener("abort", () => hooks.onAbort(ctx.executionId, ctx.signal.reason), { once: true });
      const marker = await ctx.step("wait", async () => {
        hooks.onWaiting(ctx.executionId);
        // Polled on a timer: the wait must go on, unaware, while the process is stopped and after it is resumed.
        while (!existsSync(hooks.goFile)) await new Promise((resolve) => setTimeout(resolve, 25));
        return hooks.worker;
      });
      return { marker };
    })
    .addNode("after", () => ({ finished: true }))
    .addEdge(START, "wait")
    .addEdge("wait", "after")
    .addEdge("after", END)
    .compile({ name: ZOMBIE_GRAPH, version: "1", checkpoint: { store } });
}
