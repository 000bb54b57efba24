/**
 * Compares the two ways the memory store could keep a checkpoint:
 * - object: the encoded object (`encodeCheckpoint` on save, `decodeCheckpoint` on load);
 * - string: one JSON string (`JSON.stringify` of the encoded object on save, `JSON.parse` + `decodeCheckpoint` on
 *   load), whose byte length for `stats()` comes free with the string.
 * The object variant is shown twice: with the byte size measured on save, and with it measured later by
 * `stats()` (what the store does). Prints the median of five rounds, and heap per stored checkpoint when run with
 * `node --expose-gc`.
 *
 * Run: `npx tsx test/bench/storage-format.bench.ts` (or `node --expose-gc --import tsx …`) in `packages/store-memory`.
 */
import { createCheckpointId, type Checkpoint } from "@lg/core";
import { decodeCheckpoint, encodeCheckpoint, type EncodedCheckpoint } from "@lg/core/store";

function sampleState(): Record<string, unknown> {
  const messages = Array.from({ length: 40 }, (_, i) => ({
    role: i % 2 === 0 ? "user" : "assistant",
    content: `message ${i}: ${"lorem ipsum dolor sit amet ".repeat(6)}`,
    tokens: 120 + i,
    at: new Date(1_700_000_000_000 + i * 1000),
  }));
  return {
    messages,
    tags: new Set(["a", "b", "c"]),
    scores: new Map([
      ["x", 1],
      ["y", 2],
    ]),
    counter: 42n,
    done: false,
  };
}

function sampleCheckpoint(): Checkpoint {
  return {
    id: createCheckpointId(),
    executionId: "bench",
    nodeName: "agent",
    state: sampleState(),
    metadata: { source: "loop", step: 3, execution_id: "bench" },
    timestamp: new Date(),
    version: 3,
    next: ["tools"],
  };
}

function microseconds(iterations: number, run: () => void): number {
  for (let i = 0; i < Math.min(500, iterations); i++) run(); // warm up the JIT
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) run();
    rounds.push(Number(process.hrtime.bigint() - start) / iterations / 1000);
  }
  return rounds.sort((a, b) => a - b)[2] as number;
}

function row(label: string, save: number, load: number): void {
  const cells = [save, load, save + load].map((us) => `${us.toFixed(1).padStart(7)} µs`);
  console.log(`${label.padEnd(34)} ${cells.join("  ")}`);
}

const cp = sampleCheckpoint();
const encoded = encodeCheckpoint(cp);
const json = JSON.stringify(encoded);
console.log(`checkpoint: ${Buffer.byteLength(json)} bytes of JSON`);
console.log(`${"variant".padEnd(34)} ${"save".padStart(10)}  ${"load".padStart(10)}  ${"save+load".padStart(10)}`);
const N = 2000;

const decodeObject = microseconds(N, () => void decodeCheckpoint(encoded));
row(
  "object, bytes measured by stats()",
  microseconds(N, () => void encodeCheckpoint(cp)),
  decodeObject,
);
row(
  "object, bytes measured on save",
  microseconds(N, () => void Buffer.byteLength(JSON.stringify(encodeCheckpoint(cp)))),
  decodeObject,
);
row(
  "string",
  microseconds(N, () => void Buffer.byteLength(JSON.stringify(encodeCheckpoint(cp)))),
  microseconds(N, () => void decodeCheckpoint(JSON.parse(json) as EncodedCheckpoint)),
);

function heapPerCheckpoint(store: (cp: Checkpoint) => unknown): number {
  const gc = (globalThis as { gc?: () => void }).gc as () => void;
  const count = 2000;
  gc();
  const before = process.memoryUsage().heapUsed;
  const fresh = Array.from({ length: count }, () => sampleCheckpoint()); // fresh strings, nothing shared
  const kept = fresh.map(store);
  fresh.length = 0;
  gc();
  const after = process.memoryUsage().heapUsed;
  return Math.round((after - before) / kept.length); // `kept` is still referenced here, so it was not collected
}
if (typeof (globalThis as { gc?: unknown }).gc === "function") {
  // The heap growth of keeping the stored form once the source checkpoints are garbage (strings the encoded
  // object shares with its source stay alive and are counted).
  console.log(`heap per stored checkpoint, object: ${heapPerCheckpoint((c) => encodeCheckpoint(c))} bytes`);
  console.log(
    `heap per stored checkpoint, string: ${heapPerCheckpoint((c) => JSON.stringify(encodeCheckpoint(c)))} bytes`,
  );
} else {
  console.log("(run with node --expose-gc to print heap per stored checkpoint)");
}
