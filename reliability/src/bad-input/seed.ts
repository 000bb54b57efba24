import { randomBytes } from "node:crypto";
import type { CheckpointStore } from "@lg/core";
import { createCheckpointChain } from "@lg/store-testkit";
import { seedGraph } from "./seed-graph.js";
import type { Seed } from "./types.js";

/** A fresh id starting with `label`. */
export function freshId(label: string): string {
  return `${label}-${randomBytes(5).toString("hex")}`;
}

/** Writes the seeded executions: a saved chain of three, a finished run and a run paused for an answer. */
export async function seedStore(store: CheckpointStore): Promise<Seed> {
  const chain = createCheckpointChain(freshId("seed-chain"), 3);
  for (const cp of chain) await store.save(cp);
  const app = seedGraph(store);
  const doneExecution = freshId("seed-done");
  const done = await app.invoke({}, { executionId: doneExecution });
  const pausedExecution = freshId("seed-paused");
  const paused = await app.invoke({ extra: "ask" }, { executionId: pausedExecution });
  if (done.status !== "done" || paused.status !== "interrupted") {
    throw new Error(`the seed graph ended ${done.status} and ${paused.status}, not done and interrupted`);
  }
  return {
    chainExecution: chain[0]?.executionId ?? "",
    chainIds: chain.map((cp) => cp.id),
    doneExecution,
    pausedExecution,
  };
}
