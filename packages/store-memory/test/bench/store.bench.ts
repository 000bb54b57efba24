/**
 * Throughput of `MemoryCheckpointStore` operations, and the cost of its sorted execution-id list when
 * executions are created with time-ordered ids (`createExecutionId`) versus random ids. Prints figures only.
 *
 * Run: `npx tsx test/bench/store.bench.ts` in `packages/store-memory`.
 */
import { randomUUID } from "node:crypto";
import { createCheckpointId, createExecutionId, type Checkpoint } from "@lg/core";
import { MemoryCheckpointStore } from "../../src/index.js";

function checkpoint(executionId: string, version: number, state: unknown): Checkpoint {
  return {
    id: createCheckpointId(),
    executionId,
    nodeName: "step",
    state,
    metadata: { source: "loop", step: version },
    timestamp: new Date(),
    version,
    next: ["step"],
  };
}

function report(label: string, count: number, startNs: bigint): void {
  const ns = Number(process.hrtime.bigint() - startNs);
  console.log(`${label.padEnd(46)} ${String(Math.round((count * 1e9) / ns)).padStart(9)} ops/s`);
}

function reportMs(label: string, startNs: bigint): void {
  const ms = Number(process.hrtime.bigint() - startNs) / 1e6;
  console.log(`${label.padEnd(46)} ${ms.toFixed(2).padStart(9)} ms`);
}

async function operations(): Promise<void> {
  const store = new MemoryCheckpointStore();
  const executionId = createExecutionId();
  const state = { messages: Array.from({ length: 8 }, (_, i) => ({ role: "user", text: `message ${i} `.repeat(10) })) };
  const N = 20_000;
  // Built before timing, so the figures are the store's and not id minting's.
  const checkpoints = Array.from({ length: N }, (_, i) => checkpoint(executionId, i + 1, state));
  const ids = checkpoints.map((cp) => cp.id);

  let start = process.hrtime.bigint();
  for (const cp of checkpoints) await store.save(cp);
  report("save (~1 KB state, one execution)", N, start);

  start = process.hrtime.bigint();
  for (const id of ids) await store.load(id);
  report("load by id", N, start);

  start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await store.latest(executionId);
  report(`latest (history of ${N})`, N, start);

  start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await store.list(executionId, { order: "desc", limit: 10, beforeVersion: N - i });
  report(`list desc limit 10 (history of ${N})`, N, start);

  console.log(`stats: ${JSON.stringify(await store.stats())}`);
  await store.close();
}

async function executionIndex(label: string, makeId: () => string, count: number): Promise<void> {
  const store = new MemoryCheckpointStore();
  const checkpoints = Array.from({ length: count }, (_, i) => checkpoint(makeId(), 1, { i }));
  const start = process.hrtime.bigint();
  for (const cp of checkpoints) await store.save(cp);
  report(`save first checkpoint of ${count} executions, ${label}`, count, start);

  let start2 = process.hrtime.bigint();
  let page = await store.listExecutions({ limit: 100 });
  reportMs(`first listExecutions page over ${count}, ${label}`, start2);

  start2 = process.hrtime.bigint();
  let pages = 1;
  while (page.nextCursor !== undefined) {
    page = await store.listExecutions({ limit: 100, cursor: page.nextCursor });
    pages++;
  }
  report(`further listExecutions pages of 100, ${label}`, pages - 1, start2);

  await store.save(checkpoint(makeId(), 1, {}));
  start2 = process.hrtime.bigint();
  await store.listExecutions({ limit: 100 });
  reportMs(`page after one more execution, ${label}`, start2);
  await store.close();
}

await operations();
await executionIndex("time-ordered ids", createExecutionId, 50_000);
await executionIndex("random ids", () => randomUUID(), 50_000);
