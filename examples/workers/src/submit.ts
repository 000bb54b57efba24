/**
 * Submits orders to whichever workers serve the store, and prints their results:
 * `pnpm submit [--store <url>] [--orders 3]`. Start workers first (`pnpm worker --name A`), in other terminals.
 */
import { buildOrders } from "./orders.js";
import { printResults, runName, submitOrders } from "./client.js";
import { openStore, printable, storeUrl } from "./store.js";

const args = process.argv.slice(2);
const countAt = args.indexOf("--orders");
const count = countAt === -1 ? 3 : Number(args[countAt + 1]);
if (!Number.isSafeInteger(count) || count < 1) throw new Error("--orders takes a positive whole number");

const url = storeUrl(args);
const store = await openStore(url);
try {
  console.log(`submitting ${count} order(s) to the workers of ${printable(url)}`);
  // The graph's name and version are what workers claim by; this process only submits and waits.
  const graph = buildOrders(store, { worker: "submitter" });
  const orders = await submitOrders(graph, runName(), count);
  await printResults(graph, orders);
} finally {
  await store.close();
}
