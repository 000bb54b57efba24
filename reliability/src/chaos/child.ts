/**
 * A worker process of the chaos suite (plain Node, compiled once per run by the kill suite's build-child.ts; not the
 * test runner). It opens the store named by its order and runs a worker serving the chain or the zombie graph until
 * it is killed, stopped or told to end (SIGTERM). Errors it sees are reported to the driver by code.
 */
import { createWorker, isLgError, type Checkpoint, type CheckpointStore, type SaveOptions } from "@lg/core";
import { forwardStore } from "@lg/core/store";
import { openStore } from "../kill/stores.js";
import { openEffectLog } from "./effect-log.js";
import { buildChainGraph, buildZombieGraph } from "./graph.js";
import type { WorkerMessage, WorkerOrder } from "./protocol.js";

function report(message: WorkerMessage): void {
  process.send?.(message);
}

function codeOf(error: unknown): string {
  if (isLgError(error)) return error.code;
  return error instanceof Error ? error.name : String(error);
}

/** The store the graph saves through: the real one, with every refused save reported by code. */
function reportingStore(store: CheckpointStore, workerId: string): CheckpointStore {
  return forwardStore(store, {
    save: (checkpoint: Checkpoint, options?: SaveOptions) =>
      store.save(checkpoint, options).catch((error: unknown) => {
        const { executionId, version } = checkpoint;
        const fenced = options?.lease !== undefined;
        report({ kind: "error", workerId, where: "save", code: codeOf(error), executionId, version, fenced });
        throw error;
      }),
  });
}

async function main(order: WorkerOrder): Promise<void> {
  const { workerId } = order;
  const store = reportingStore(await openStore(order.store), workerId);
  const graph =
    order.graph === "chain"
      ? buildChainGraph(store, {
          log: await openEffectLog(order.store),
          worker: workerId,
          stepDelayMs: order.stepDelayMs,
        })
      : buildZombieGraph(store, {
          worker: workerId,
          goFile: order.goFile ?? "",
          onWaiting: (executionId) => report({ kind: "waiting", workerId, executionId }),
          onAbort: (executionId, reason) =>
            report({ kind: "error", workerId, where: "signal", code: codeOf(reason), executionId }),
        });
  createWorker({
    graphs: [graph],
    workerId,
    concurrency: order.concurrency,
    leaseMs: order.leaseMs,
    heartbeatMs: order.heartbeatMs,
    pollMs: order.pollMs,
    onError: (error, executionId) =>
      report({
        kind: "error",
        workerId,
        where: "worker",
        code: codeOf(error),
        ...(executionId === undefined ? {} : { executionId }),
      }),
  });
  report({ kind: "ready", workerId });
}

main(JSON.parse(process.argv[2] ?? "{}") as WorkerOrder).catch((error: unknown) => {
  console.error("chaos worker failed:", error);
  process.exit(1);
});
