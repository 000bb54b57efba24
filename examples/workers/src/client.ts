/** Submitting orders to the workers and printing what became of them: what `main.ts` and `submit.ts` share. */
import { submit, waitFor, type CompiledGraph } from "@lg/core";
import { readLedger, type OrderState } from "./orders.js";

/** Submits `count` orders named `<run>-1` … (each its own execution); resolves once they are durably queued. */
export async function submitOrders(graph: CompiledGraph<OrderState>, run: string, count: number): Promise<string[]> {
  const orders = Array.from({ length: count }, (_, i) => `${run}-${i + 1}`);
  for (const [i, order] of orders.entries()) {
    const { outcome } = await submit(graph, { order, amount: 10 * (i + 1), trail: [] }, { executionId: order });
    console.log(`submitted ${order} (${outcome})`);
  }
  return orders;
}

/**
 * Waits for every order and prints its result: the committed steps and who ran them, and how many times its card
 * was charged according to the ledger. Rejects unless every order is done and was charged exactly once.
 */
export async function printResults(graph: CompiledGraph<OrderState>, orders: readonly string[]): Promise<void> {
  const problems: string[] = [];
  for (const order of orders) {
    const result = await waitFor<OrderState>(graph, order, { timeoutMs: 60_000 });
    const charged = readLedger().filter((charge) => charge.order === order);
    const { receipt, parcel, trail } = result.state;
    console.log(
      `${order}: ${result.status}, receipt ${receipt ?? "-"}, ${parcel ?? "not shipped"}; ` +
        `committed steps ${trail.join(" → ")}; card charged ${charged.length}x` +
        (charged[0] === undefined ? "" : ` (by ${charged[0].by})`),
    );
    if (result.status !== "done") problems.push(`${order} is ${result.status}`);
    if (charged.length !== 1) problems.push(`${order} was charged ${charged.length} times`);
    if (charged[0] !== undefined && charged[0].receipt !== receipt) problems.push(`${order} kept another receipt`);
  }
  if (problems.length > 0) throw new Error(problems.join("; "));
}

/** A name for this run's orders, new on every run (the store and ledger keep earlier runs). */
export function runName(): string {
  return `order-${Date.now().toString(36)}`;
}
