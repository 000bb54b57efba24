import {
  END,
  ExecutionFailedError,
  START,
  StateGraph,
  createWorker,
  interrupt,
  submit,
  waitFor,
  type CheckpointStore,
  type CompiledGraph,
} from "@lg/core";
import { uniqueId } from "@lg/store-testkit";

/**
 * Executions in every registry status, made the way an application makes them: submitted to a named graph and run to
 * their end (or pause) by a worker in the test process, on the store the binary then reads.
 */

/** What an order asks of the graph's one node. */
export interface OrderState {
  mode: "finish" | "ask" | "fail";
  answer?: string;
}

/** The graph `orders@<version>`: one node that finishes, pauses for a human, or fails, as the input says. */
export function ordersGraph(store: CheckpointStore, version: string): CompiledGraph<OrderState> {
  return new StateGraph<OrderState>()
    .addNode("work", (state: OrderState) => {
      if (state.mode === "fail") throw new Error("the card was declined");
      if (state.mode === "ask") return { answer: interrupt<string>("ship it?") };
      return { answer: "shipped" };
    })
    .addEdge(START, "work")
    .addEdge("work", END)
    .compile({ name: "orders", version, checkpoint: { store } });
}

/** The executions {@link seedRegistry} made, by the status each ended in. */
export interface SeededExecutions {
  done: string;
  paused: string;
  failed: string;
  /** Submitted to `orders@2`, which no worker serves: it stays queued and has no checkpoint. */
  queued: string;
}

/** Bound on every wait: generous for a busy CI machine. */
const WAIT_MS = 30_000;

/** Runs one execution to each of done, paused and failed on a worker, and leaves one queued. */
export async function seedRegistry(store: CheckpointStore): Promise<SeededExecutions> {
  const ids: SeededExecutions = {
    done: uniqueId("order-done"),
    paused: uniqueId("order-paused"),
    failed: uniqueId("order-failed"),
    queued: uniqueId("order-queued"),
  };
  const graph = ordersGraph(store, "1");
  const worker = createWorker({
    graphs: [graph],
    concurrency: 3,
    pollMs: 50,
    leaseMs: 10_000,
    stopOnSignals: false,
    onError: () => undefined,
  });
  try {
    await submit(graph, { mode: "finish" }, { executionId: ids.done });
    await submit(graph, { mode: "ask" }, { executionId: ids.paused });
    await submit(graph, { mode: "fail" }, { executionId: ids.failed });
    expect((await waitFor(graph, ids.done, { timeoutMs: WAIT_MS, pollMs: 50 })).status).toBe("done");
    expect((await waitFor(graph, ids.paused, { timeoutMs: WAIT_MS, pollMs: 50 })).status).toBe("interrupted");
    await expect(waitFor(graph, ids.failed, { timeoutMs: WAIT_MS, pollMs: 50 })).rejects.toBeInstanceOf(
      ExecutionFailedError,
    );
  } finally {
    await worker.stop();
  }
  await submit(ordersGraph(store, "2"), { mode: "finish" }, { executionId: ids.queued });
  return ids;
}
