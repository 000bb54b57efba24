/**
 * A child process of the workers workload (started by `workers-fleet.ts` with `--import tsx`): a worker
 * (`createWorker`) or, for the baseline, one process running executions with plain `invoke`. It opens its own store,
 * says `ready`, starts on `go`, and on `stop` reports what it sent to the store and exits.
 *
 * @packageDocumentation
 */
import { createWorker, type CheckpointStore, type CompiledGraph, type Worker } from "@lg/core";
import { preciseNow, type ChildConfig, type ChildMessage, type ParentMessage } from "./workers-protocol.js";
import { recoveryGraph, throughputGraph, type CounterState } from "./workers-graphs.js";
import { openWorkersStore, type StatementCounter } from "./workers-stores.js";

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Counts the registry's lease renewals of this process (each one statement, whatever the number of leases). */
interface RenewCounter {
  calls: number;
  leases: number;
}

/** Wraps the registry's `renew` so every heartbeat of this process is counted before it goes to the store. */
function countRenewals(store: CheckpointStore, counter: RenewCounter): void {
  const registry = store.registry;
  if (registry === undefined) throw new Error("the store has no execution registry");
  const renew = registry.renew.bind(registry);
  registry.renew = (fences, leaseMs) => {
    counter.calls++;
    counter.leases += fences.length;
    return renew(fences, leaseMs);
  };
}

/** Runs `ids` with plain `invoke`, `concurrency` at a time; each must end with the counter at `steps`. */
async function invokeAll(graph: CompiledGraph<CounterState>, ids: string[], concurrency: number, steps: number) {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < ids.length) {
      const executionId = ids[next++] as string;
      const result = await graph.invoke({ n: 0 }, { executionId });
      if (result.status !== "done" || result.state.n !== steps)
        throw new Error(`${executionId} ended ${result.status} with n = ${result.state.n}, expected ${steps}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? "{}") as ChildConfig;
  const statements: StatementCounter = { count: 0 };
  const renewals: RenewCounter = { calls: 0, leases: 0 };
  const store = await openWorkersStore(config.store, statements);
  countRenewals(store, renewals);
  const onStep = config.reportSteps
    ? (executionId: string, node: string) =>
        send({ type: "step", executionId, node, at: preciseNow(), pid: process.pid })
    : undefined;
  const graph =
    config.graph === "throughput" ? throughputGraph(store, config.steps) : recoveryGraph(store, config.tickMs, onStep);
  let worker: Worker | undefined;
  let cpuAtGo = process.cpuUsage();
  let stopping = false;
  process.on("message", (message: ParentMessage) => {
    if (message.type === "go") {
      statements.count = 0;
      cpuAtGo = process.cpuUsage();
      renewals.calls = 0;
      renewals.leases = 0;
      const start = preciseNow();
      if (config.mode === "worker") {
        worker = createWorker({
          graphs: [graph],
          concurrency: config.concurrency,
          leaseMs: config.leaseMs,
          pollMs: config.pollMs,
          stopOnSignals: false,
          onError: (error, executionId) => {
            // A lease lost to another worker is what the recovery measurement provokes; anything else is reported.
            if (!stopping) process.stderr.write(`[worker ${process.pid}] ${executionId ?? ""} ${String(error)}\n`);
          },
        });
      } else {
        invokeAll(graph, config.executions, config.concurrency, config.steps).then(
          () => send({ type: "finished", elapsedMs: preciseNow() - start }),
          (error: unknown) => send({ type: "failed", message: String(error) }),
        );
      }
    } else if (message.type === "stop" && !stopping) {
      stopping = true;
      void (async () => {
        await worker?.stop();
        const cpu = process.cpuUsage(cpuAtGo);
        send({
          type: "stats",
          statements: statements.count,
          renewals: renewals.calls,
          renewedLeases: renewals.leases,
          cpuMs: (cpu.user + cpu.system) / 1000,
        });
        await store.close();
        process.disconnect?.();
      })();
    }
  });
  send({ type: "ready", pid: process.pid });
}

main().catch((error: unknown) => {
  send({ type: "failed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  process.disconnect?.();
});
