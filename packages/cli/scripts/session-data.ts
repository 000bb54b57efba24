/**
 * The executions the README's session reads: saved straight through a store (no worker, so no registry record), and
 * then run by a worker as an application would, for the section on executions run by workers.
 */
import {
  ExecutionFailedError,
  createCheckpointId,
  createWorker,
  submit,
  waitFor,
  type Checkpoint,
  type CheckpointMetadata,
  type CheckpointStore,
} from "@lg/core";
import { ordersGraph, type OrderState } from "../test/registry-fixtures.js";

/** One checkpoint to save; its version is its place in its execution, its parent named by version. */
type Row = [
  executionId: string,
  nodeName: string,
  parentVersion: number | null,
  next: string[],
  metadata: CheckpointMetadata,
  state: Record<string, unknown>,
];

/**
 * Saves `order-42` (input, price, review, and a fork from version 2 that adds a pen) and `order-43` (its input):
 * states with an array, a BigInt, a Map and a Date. The n-th checkpoint saved is written at 2025-06-01T09:00:0nZ.
 */
export async function saveDirectExecutions(store: CheckpointStore): Promise<void> {
  const prices = new Map([["book", 12]]);
  const withPen = { items: ["book", "pen"], total: 14n };
  const reviewed = { approved: true, at: new Date(Date.UTC(2025, 5, 1, 9, 0, 3)) };
  const rows: Row[] = [
    ["order-42", "__input__", null, ["price"], { source: "input", step: 0 }, { items: ["book"], total: 12n }],
    ["order-42", "price", 1, ["review"], { source: "loop", step: 1 }, { items: ["book"], total: 12n, prices }],
    ["order-42", "review", 2, [], { source: "loop", step: 2 }, { items: ["book"], total: 12n, prices, ...reviewed }],
    ["order-42", "__update__", 2, ["review"], { source: "fork", step: 1 }, { ...withPen, prices }],
    ["order-43", "__input__", null, ["price"], { source: "input", step: 0 }, { items: ["pen"], total: 2n }],
  ];
  const saved: Checkpoint[] = [];
  for (const [executionId, nodeName, parentVersion, next, metadata, state] of rows) {
    const timestamp = new Date(Date.UTC(2025, 5, 1, 9, 0, saved.length + 1));
    const earlier = saved.filter((cp) => cp.executionId === executionId);
    const parentId = earlier.find((cp) => cp.version === parentVersion)?.id;
    const id = createCheckpointId(timestamp.getTime());
    const checkpoint = { id, executionId, nodeName, state, metadata, timestamp, next, parentId };
    saved.push({ ...checkpoint, version: earlier.length + 1 });
  }
  for (const checkpoint of saved) await store.save(checkpoint);
}

/** Bound on each wait: generous on a busy machine. */
const WAIT_MS = 60_000;

/**
 * A worker serving `orders@1` runs `order-44` (done), `order-45` (paused) and `order-46` (failed); `order-47` is then
 * submitted to `orders@2`, which no worker serves, and stays queued.
 */
export async function runWorkerExecutions(store: CheckpointStore): Promise<void> {
  const graph = ordersGraph(store, "1");
  const worker = createWorker({ graphs: [graph], pollMs: 50, stopOnSignals: false, onError: () => undefined });
  try {
    const modes: [string, OrderState["mode"]][] = [
      ["order-44", "finish"],
      ["order-45", "ask"],
      ["order-46", "fail"],
    ];
    for (const [executionId, mode] of modes) {
      await submit(graph, { mode }, { executionId });
      // A failed execution rejects: it ended, which is all this waits for. A timeout still throws.
      await waitFor(graph, executionId, { timeoutMs: WAIT_MS, pollMs: 50 }).catch((error: unknown) => {
        if (!(error instanceof ExecutionFailedError)) throw error;
      });
    }
  } finally {
    await worker.stop();
  }
  await submit(ordersGraph(store, "2"), { mode: "finish" }, { executionId: "order-47" });
}
