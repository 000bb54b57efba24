/**
 * Performance floor of the Redis store, in one run:
 * - `save` against a raw `MULTI; SET; ZADD; EXEC` of the same JSON bytes (pre-serialized for the raw side),
 * - `latest` (on an execution with thousands of checkpoints) against a raw `GET` of a key of the same size,
 * both sequential (one request in flight), after a warm-up, interleaved in rounds so that a noisy neighbour slows
 * both sides alike. Prints ops/s, µs/op (mean and median), the ratio store/raw and a verdict against 1.5x, then the
 * memory a checkpoint costs (`MEMORY USAGE`). Works under its own random key prefix and deletes it afterwards.
 *
 * Environment: LG_BENCH_REDIS_URL (else LG_TEST_REDIS_URL, else redis://127.0.0.1:6379), BENCH_SAVES (5000),
 * BENCH_READS (10000), BENCH_ROUNDS (50).
 */
import { randomBytes } from "node:crypto";
import { createCheckpointId, type Checkpoint } from "@lg/core";
import { deserializeCheckpoint, serializeCheckpoint } from "@lg/core/store";
import { createClient } from "redis";
import { RedisCheckpointStore } from "../src/index.js";
import { LATEST, REPAIR_BUDGET } from "../src/scripts.js";

const url = process.env.LG_BENCH_REDIS_URL ?? process.env.LG_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const SAVES = Number(process.env.BENCH_SAVES ?? 5000);
const READS = Number(process.env.BENCH_READS ?? 10000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 50);
const WARMUP = 500;
const FLOOR = 1.5;

const prefix = `lg_bench:${randomBytes(6).toString("hex")}:`;
const raw = createClient({ url });
raw.on("error", () => undefined);
const store = new RedisCheckpointStore({ url, prefix });

/** A checkpoint whose state makes the stored JSON about 1 KB, like a small agent state. */
function checkpoint(executionId: string, version: number): Checkpoint {
  return {
    id: createCheckpointId(),
    executionId,
    nodeName: "agent",
    state: {
      messages: Array.from({ length: 6 }, (_, i) => ({
        role: i % 2 ? "assistant" : "user",
        content: `message ${i} `.repeat(9),
      })),
      step: version,
      done: false,
    },
    metadata: { source: "loop", step: version, execution_id: executionId },
    timestamp: new Date(),
    version,
    next: ["agent"],
  };
}

/** Per-op latencies in µs of `op(i)` for i in [from, to), sequential. */
async function timeOps(from: number, to: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = from; i < to; i++) {
    const start = process.hrtime.bigint();
    await op(i);
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return samples;
}

interface Side {
  samples: number[];
}

/** Runs `a` and `b` alternately in `ROUNDS` rounds over `count` operations each. */
async function interleaved(
  count: number,
  a: (i: number) => Promise<unknown>,
  b: (i: number) => Promise<unknown>,
): Promise<[Side, Side]> {
  const sides: [Side, Side] = [{ samples: [] }, { samples: [] }];
  const per = Math.ceil(count / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    const from = round * per;
    const to = Math.min(count, from + per);
    const first = round % 2 === 0 ? 0 : 1; // alternate who goes first
    for (const which of [first, 1 - first]) {
      const samples = await timeOps(from, to, which === 0 ? a : b);
      sides[which]?.samples.push(...samples);
    }
  }
  return sides;
}

function mean(samples: number[]): number {
  return samples.reduce((sum, s) => sum + s, 0) / samples.length;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function row(name: string, side: Side, baseline?: Side): Record<string, string> {
  const us = mean(side.samples);
  const out: Record<string, string> = {
    operation: name,
    "ops/s": Math.round(1e6 / us).toLocaleString("en-US"),
    "µs/op mean": us.toFixed(1),
    "µs/op p50": median(side.samples).toFixed(1),
  };
  if (baseline !== undefined) {
    const ratio = us / mean(baseline.samples);
    out["vs raw"] = `${ratio.toFixed(2)}x`;
    out.verdict = ratio <= FLOOR ? `within ${FLOOR}x` : `OVER ${FLOOR}x`;
  }
  return out;
}

async function deletePrefix(): Promise<void> {
  let cursor = "0";
  for (let round = 0; round < 100_000; round++) {
    const reply = (await raw.sendCommand(["SCAN", cursor, "MATCH", `${prefix}*`, "COUNT", "1000"])) as [
      string,
      string[],
    ];
    if (reply[1].length > 0) await raw.sendCommand(["UNLINK", ...reply[1]]);
    cursor = reply[0];
    if (cursor === "0") return;
  }
}

async function main(): Promise<void> {
  await raw.connect();
  await store.ping();
  const info = (await raw.sendCommand(["INFO", "server"])) as string;
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? "?";

  // --- save vs MULTI(SET+ZADD) of the same bytes ---
  const storeExec = "bench-store";
  const rawExec = `${prefix}raw:execution:bench:checkpoints`;
  const total = WARMUP + SAVES;
  const toStore = Array.from({ length: total }, (_, i) => checkpoint(storeExec, i + 1));
  const toRaw = Array.from({ length: total }, (_, i) => checkpoint("bench-raw", i + 1));
  const rawBodies = toRaw.map((cp) => serializeCheckpoint(cp));
  const bytes = Math.round(mean(rawBodies.map((body) => Buffer.byteLength(body))));
  const rawSave = (i: number): Promise<unknown> => {
    const cp = toRaw[i] as Checkpoint;
    return raw
      .multi()
      .set(`${prefix}raw:checkpoint:${cp.id}`, rawBodies[i] as string)
      .zAdd(rawExec, { score: cp.version, value: cp.id })
      .exec();
  };
  const storeSave = (i: number): Promise<unknown> => store.save(toStore[i] as Checkpoint);
  await timeOps(0, WARMUP, rawSave);
  await timeOps(0, WARMUP, storeSave);
  const [rawSaves, storeSaves] = await interleaved(
    SAVES,
    (i) => rawSave(WARMUP + i),
    (i) => storeSave(WARMUP + i),
  );

  // --- latest vs GET of a key of the same size ---
  const rawKey = `${prefix}raw:checkpoint:${(toRaw[total - 1] as Checkpoint).id}`;
  const rawGet = (): Promise<unknown> => raw.get(rawKey);
  const storeLatest = (): Promise<unknown> => store.latest(storeExec);
  await timeOps(0, WARMUP, rawGet);
  await timeOps(0, WARMUP, storeLatest);
  const [rawGets, storeLatests] = await interleaved(READS, rawGet, storeLatest);
  // the path taken when the server refuses SORT … GET (ACL key patterns) or with refreshOnRead: the Lua script
  const scriptArgs = [
    "EVALSHA",
    LATEST.sha,
    "1",
    store.keys.executionIndex(storeExec),
    prefix,
    storeExec,
    "0",
    REPAIR_BUDGET,
  ];
  await raw.sendCommand(["SCRIPT", "LOAD", LATEST.source]);
  const [rawGetsForScript, scriptLatests] = await interleaved(READS / 2, rawGet, async () => {
    const [id, text] = (await raw.sendCommand(scriptArgs)) as [string, string];
    return deserializeCheckpoint(text, id);
  });
  const [rawGetsForLoad, storeLoads] = await interleaved(READS / 2, rawGet, () =>
    store.load((toStore[total - 1] as Checkpoint).id),
  );

  // --- memory of one checkpoint ---
  const last = toStore[total - 1] as Checkpoint;
  const hashBytes = (await raw.sendCommand([
    "MEMORY",
    "USAGE",
    store.keys.checkpoint(last.id),
    "SAMPLES",
    "0",
  ])) as number;
  const stringBytes = (await raw.sendCommand(["MEMORY", "USAGE", rawKey, "SAMPLES", "0"])) as number;
  const indexBytes = (await raw.sendCommand([
    "MEMORY",
    "USAGE",
    store.keys.executionIndex(storeExec),
    "SAMPLES",
    "0",
  ])) as number;
  const indexSize = (await raw.sendCommand(["ZCARD", store.keys.executionIndex(storeExec)])) as number;
  const smallExec = "bench-small";
  for (let version = 1; version <= 10; version++) await store.save(checkpoint(smallExec, version));
  const smallIndexBytes = (await raw.sendCommand([
    "MEMORY",
    "USAGE",
    store.keys.executionIndex(smallExec),
    "SAMPLES",
    "0",
  ])) as number;
  const manyExecutions = 300; // past 128 members: the encoding of a real deployment's executions index
  for (let i = 0; i < manyExecutions; i++) await store.save(checkpoint(`bench-execution-${i}`, 1));
  const executionsBytes = (await raw.sendCommand([
    "MEMORY",
    "USAGE",
    store.keys.executions(),
    "SAMPLES",
    "0",
  ])) as number;
  const executionCount = (await raw.sendCommand(["ZCARD", store.keys.executions()])) as number;

  console.log(
    `Redis ${version} at ${url.replace(/\/\/[^@]*@/, "//***@")}; JSON of one checkpoint: ${bytes} bytes; ` +
      `${SAVES} saves and ${READS} reads, sequential, ${ROUNDS} interleaved rounds after ${WARMUP} warm-up ops each; ` +
      `latest/load on an execution of ${indexSize} checkpoints.`,
  );
  console.table([
    row("raw MULTI(SET+ZADD)", rawSaves),
    row("store.save", storeSaves, rawSaves),
    row("raw GET", rawGets),
    row("store.latest", storeLatests, rawGets),
    row("store.load", storeLoads, rawGetsForLoad),
    row("latest via Lua (fallback)", scriptLatests, rawGetsForScript),
  ]);
  console.table([
    { what: "checkpoint hash (data + executionId + timestamp)", bytes: hashBytes },
    { what: "same JSON as a plain string key (for comparison)", bytes: stringBytes },
    {
      what: `execution index entry (ZSET of ${indexSize}: skiplist, per entry)`,
      bytes: Math.round(indexBytes / indexSize),
    },
    { what: "execution index entry (ZSET of 10: listpack, per entry)", bytes: Math.round(smallIndexBytes / 10) },
    { what: "execution index key of 10 entries, whole key", bytes: smallIndexBytes },
    {
      what: `executions index entry (ZSET of ${executionCount}: skiplist, per entry)`,
      bytes: Math.round(executionsBytes / executionCount),
    },
  ]);
  const saveRatio = mean(storeSaves.samples) / mean(rawSaves.samples);
  const latestRatio = mean(storeLatests.samples) / mean(rawGets.samples);
  const ok = saveRatio <= FLOOR && latestRatio <= FLOOR;
  console.log(
    `floor ${ok ? "MET" : "MISSED"}: save ${saveRatio.toFixed(2)}x raw, latest ${latestRatio.toFixed(2)}x raw (limit ${FLOOR}x)`,
  );
  if (!ok) process.exitCode = 1;
}

try {
  await main();
} finally {
  await deletePrefix();
  await store.close();
  await raw.close();
}
