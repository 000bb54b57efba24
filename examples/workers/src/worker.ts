/**
 * A worker process: `pnpm worker [--name A] [--store <url>]`. It claims orders from the store's registry and runs
 * them, printing each step; SIGTERM or Ctrl-C finishes the step under way and hands its orders back.
 */
import { createWorker } from "@lg/core";
import type { WorkerMessage } from "./messages.js";
import { buildOrders, type ChargeOutcome } from "./orders.js";
import { openStore, printable, storeUrl } from "./store.js";

/** What a worker prints for each way a run of `charge` came by its receipt. */
const CHARGE_TEXT: Record<ChargeOutcome, string> = {
  charged: "charged the card",
  recorded: "card charged before, not again",
  deduplicated: "charged before but not recorded; the provider knew the idempotency key and did not charge again",
};

/** How long a lease lasts: a killed worker's orders are taken over within about this long. */
const LEASE_MS = 2_000;

const args = process.argv.slice(2);
const nameAt = args.indexOf("--name");
const name = nameAt === -1 ? `worker-${process.pid}` : (args[nameAt + 1] ?? `worker-${process.pid}`);
const tell = (message: WorkerMessage): void => void process.send?.(message);
const say = (text: string): void => console.log(`  [${name}] ${text}`);

const url = storeUrl(args);
const store = await openStore(url);
const graph = buildOrders(store, {
  worker: name,
  onNode: (order, node) => {
    say(`${order}: ${node}`);
    tell({ type: "node", worker: name, order, node });
  },
  onCharged: (order, receipt, how) => {
    say(`${order}: ${CHARGE_TEXT[how]}: receipt ${receipt}`);
    tell({ type: "charged", worker: name, order, receipt });
  },
});
const worker = createWorker({
  graphs: [graph],
  concurrency: 2,
  leaseMs: LEASE_MS,
  pollMs: 200,
  workerId: name,
  stopOnSignals: false,
});
say(`claiming orders from ${printable(url)} (pid ${process.pid}, lease ${LEASE_MS} ms)`);
tell({ type: "ready", worker: name, pid: process.pid });

// Stop gracefully: finish the step under way, hand unfinished orders back to the queue, close the store.
let stopping: Promise<void> | undefined;
const stop = (): Promise<void> =>
  (stopping ??= worker
    .stop()
    .then(() => store.close())
    .then(() => {
      say("stopped");
      if (process.connected) process.disconnect();
    }));
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void stop());
// Started by `pnpm start`: when that process is gone (it ended, or failed), this worker stops too.
process.once("disconnect", () => void stop());
