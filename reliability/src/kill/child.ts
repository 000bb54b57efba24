/**
 * A child process of the kill suite (plain Node, compiled once per run by build-child.ts; not the test runner). It
 * opens the store named by its order, starts the execution (or resumes it with `invoke(null)` when it has
 * checkpoints) and runs the 50-step graph to the end, unless it reaches the point it is armed with: there it kills
 * itself with SIGKILL (or, at a `wall-clock` point, waits for the driver's).
 */
import { performance } from "node:perf_hooks";
import { buildCountingGraph } from "./graph.js";
import { dieAt, killingStore } from "./killing-store.js";
import type { ChildMessage, ChildOrder } from "./protocol.js";
import { openStore } from "./stores.js";

function report(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) return resolve();
    process.send(message, undefined, {}, (error) => (error === null ? resolve() : reject(error)));
  });
}

async function main(order: ChildOrder): Promise<void> {
  const { point, markerFile, executionId } = order;
  const store = await openStore(order.store);
  const nodeKill = point?.kind === "node" ? point : undefined;
  const app = buildCountingGraph(killingStore(store, point, markerFile), (step) => {
    // Step n completes version n + 1.
    if (nodeKill !== undefined && step + 1 === nodeKill.at) dieAt(markerFile, { point: nodeKill });
  });
  const latest = await app.getState(executionId);
  await report({ kind: "ready", latestVersion: latest?.version ?? 0 });
  const started = performance.now();
  if (latest === undefined) await app.invoke({}, { executionId });
  else if (latest.next.length > 0) await app.invoke(null, { executionId });
  const runMs = performance.now() - started;
  await store.close();
  await report({ kind: "done", runMs });
  process.disconnect?.();
}

main(JSON.parse(process.argv[2] ?? "{}") as ChildOrder).catch((error: unknown) => {
  console.error("kill-suite child failed:", error);
  process.exitCode = 1;
  process.disconnect?.();
});
