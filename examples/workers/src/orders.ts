/**
 * The example's graph, `orders`: reserve → charge → ship. Charging the card is the effect that must happen once, so
 * it runs inside `ctx.step`; the other nodes' code may run again when a worker dies mid-step.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { appendReducer, END, START, StateGraph, type CheckpointStore, type CompiledGraph } from "@lg/core";
import { DATA_DIR } from "./store.js";

/** An order as it goes through the graph. */
export interface OrderState {
  /** The order's name. */
  order: string;
  /** What the card is charged. */
  amount: number;
  /** The payment provider's receipt, once charged. */
  receipt?: string;
  /** The parcel's tracking code, once shipped. */
  parcel?: string;
  /** `node@worker` for every committed step: who ran what, as the checkpoints keep it. */
  trail: string[];
}

/** What a worker wants to hear about while it runs the graph. */
export interface OrderHooks {
  /** The worker's name, written into the trail and the ledger. */
  worker: string;
  /** A node started (its code runs at least once per committed step; again after a crash). */
  onNode?(order: string, node: string): void;
  /** The charge is recorded durably; `how` says who charged the card (see {@link ChargeOutcome}). */
  onCharged?(order: string, receipt: string, how: ChargeOutcome): void;
}

/**
 * How a run of `charge` came by its receipt: `charged`, this run charged the card; `recorded`, an earlier run had and
 * `ctx.step` handed its recorded receipt back without calling the provider; `deduplicated`, an earlier run charged
 * but died before its record was written, so this run called the provider again, with the same idempotency key, and
 * the provider answered with the earlier charge's receipt.
 */
export type ChargeOutcome = "charged" | "recorded" | "deduplicated";

/** One line of the ledger: a card charged (the external effect the example counts). */
export interface Charge {
  /** The order. */
  order: string;
  /** The amount. */
  amount: number;
  /** The receipt handed back. */
  receipt: string;
  /** The worker that charged it. */
  by: string;
  /** The effect's idempotency key (`ctx.step` hands it over): what a real payment API would deduplicate on. */
  key: string;
}

/** The ledger of charges: one JSON line per card actually charged (by any process). */
export const LEDGER = resolve(DATA_DIR, "charges.jsonl");

/** How long each node works, so a worker can be killed in the middle of one. */
export const STEP_MS = 400;

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/**
 * The "payment provider": charges the card by appending to the ledger, and returns a receipt. Like a real payment
 * API it deduplicates on the request's idempotency key: a worker killed after the charge but before `ctx.step` wrote
 * the receipt leaves a charge whose record is missing, the next run of the node calls again with the same key, and
 * gets the first charge's receipt back instead of a second charge.
 */
function chargeCard(charge: Omit<Charge, "receipt">): { receipt: string; repeated: boolean } {
  const earlier = readLedger().find((c) => c.key === charge.key);
  if (earlier !== undefined) return { receipt: earlier.receipt, repeated: true };
  const receipt = `rcpt-${randomUUID().slice(0, 8)}`;
  appendFileSync(LEDGER, `${JSON.stringify({ ...charge, receipt } satisfies Charge)}\n`);
  return { receipt, repeated: false };
}

/** Every charge in the ledger. */
export function readLedger(): Charge[] {
  if (!existsSync(LEDGER)) return [];
  return readFileSync(LEDGER, "utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Charge);
}

/** The `orders` graph (name `orders`, version `1`) on `store`. */
export function buildOrders(store: CheckpointStore, hooks: OrderHooks): CompiledGraph<OrderState> {
  const { worker } = hooks;
  return new StateGraph<OrderState>({
    channels: {
      order: { default: () => "" },
      amount: { default: () => 0 },
      trail: { reducer: appendReducer, default: () => [] },
    },
  })
    .addNode("reserve", async (state) => {
      hooks.onNode?.(state.order, "reserve");
      await sleep(STEP_MS);
      return { trail: [`reserve@${worker}`] };
    })
    .addNode("charge", async (state, ctx) => {
      hooks.onNode?.(state.order, "charge");
      // Exactly once: the receipt is written to the store before the node goes on; a re-run gets it back.
      let how: ChargeOutcome = "recorded";
      const receipt = await ctx.step("charge", ({ key }) => {
        const charged = chargeCard({ order: state.order, amount: state.amount, by: worker, key });
        how = charged.repeated ? "deduplicated" : "charged";
        return charged.receipt;
      });
      hooks.onCharged?.(state.order, receipt, how);
      await sleep(STEP_MS); // e.g. e-mailing the receipt: at least once, it is outside ctx.step
      return { receipt, trail: [`charge@${worker}`] };
    })
    .addNode("ship", async (state) => {
      hooks.onNode?.(state.order, "ship");
      await sleep(STEP_MS);
      return { parcel: `parcel-${state.order}`, trail: [`ship@${worker}`] };
    })
    .addEdge(START, "reserve")
    .addEdge("reserve", "charge")
    .addEdge("charge", "ship")
    .addEdge("ship", END)
    .compile({ name: "orders", version: "1", checkpoint: { store } });
}
