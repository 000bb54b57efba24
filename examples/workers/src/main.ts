/**
 * `pnpm start [--store <url>]`: two worker processes (A and B) share one store, SQLite by default. Orders are
 * submitted; A is killed (SIGKILL) right after it charged a card and before its step committed; B takes A's orders
 * over once A's lease runs out, re-runs the interrupted step — without charging again — and finishes them.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { printResults, runName, submitOrders } from "./client.js";
import type { WorkerMessage } from "./messages.js";
import { buildOrders, readLedger } from "./orders.js";
import { openStore, printable, storeUrl } from "./store.js";

const ORDERS = 4;
const url = storeUrl();
const script = fileURLToPath(new URL("./worker.ts", import.meta.url));
const messages: WorkerMessage[] = [];
const listeners = new Set<(message: WorkerMessage) => void>();
const children: ChildProcess[] = [];
// Whatever goes wrong below, no worker outlives this process (they also stop when it disconnects).
process.once("exit", () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

/** Waits for the first message that `match` accepts (one already received counts). */
function waitForMessage<T extends WorkerMessage>(what: string, match: (m: WorkerMessage) => m is T): Promise<T> {
  const seen = messages.find(match);
  if (seen !== undefined) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gave up waiting for ${what}`)), 60_000);
    const listener = (message: WorkerMessage): void => {
      if (!match(message)) return;
      clearTimeout(timer);
      listeners.delete(listener);
      resolve(message);
    };
    listeners.add(listener);
  });
}

/** Starts a worker process named `name` on the same store and waits until it claims. */
async function startWorker(name: string): Promise<ChildProcess> {
  const child = fork(script, ["--name", name, "--store", url], { stdio: "inherit" });
  children.push(child);
  child.on("message", (message: WorkerMessage) => {
    messages.push(message);
    for (const listener of [...listeners]) listener(message);
  });
  await waitForMessage(`worker ${name} to start`, (m): m is WorkerMessage => m.type === "ready" && m.worker === name);
  return child;
}

console.log(`@lg workers example on ${printable(url)}\n`);
const store = await openStore(url);
const graph = buildOrders(store, { worker: "main" });
const a = await startWorker("A");
const orders = await submitOrders(graph, runName(), ORDERS);
// B starts once A has orders to claim: on a busy machine B, started first, could run them all before A claimed one.
const startingB = startWorker("B");
startingB.catch(() => undefined); // awaited below; a failure to start ends the example there

// Kill A right after a charge of its own is recorded, while the rest of that step (and its commit) is still to come.
const charged = await waitForMessage(
  "worker A to charge a card",
  (m): m is Extract<WorkerMessage, { type: "charged" }> => m.type === "charged" && m.worker === "A",
);
a.kill("SIGKILL");
const b = await startingB;
console.log(
  `\n*** killed worker A (SIGKILL) in the middle of "charge" of ${charged.order}, after the card was charged;\n` +
    `*** its orders go on on worker B once A's lease expires\n`,
);

await printResults(graph, orders);
const reruns = orders.flatMap((order) => {
  const runs = messages.filter((m) => m.type === "node" && m.order === order);
  const byNode = new Map<string, string[]>();
  for (const run of runs) if (run.type === "node") byNode.set(run.node, [...(byNode.get(run.node) ?? []), run.worker]);
  return [...byNode]
    .filter(([, workers]) => workers.length > 1)
    .map(([node, workers]) => `${order} ${node} on ${workers.join(" then ")}`);
});
const charges = readLedger().filter((charge) => orders.includes(charge.order));
console.log(
  `\nnode code run again after the kill (at least once, outside ctx.step): ${reruns.length > 0 ? reruns.join("; ") : "none"}` +
    `\ncards charged (exactly once, inside ctx.step): ${charges.length} for ${orders.length} orders`,
);

b.kill("SIGTERM");
await new Promise((resolve) => b.once("exit", resolve));
await store.close();
