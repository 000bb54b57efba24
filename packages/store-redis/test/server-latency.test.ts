import { encodeCheckpoint } from "@lg/core/store";
import { createCheckpointChain, createTestCheckpoint, uniqueId } from "@lg/store-testkit";
import { RedisCheckpointStore } from "@lg/store-redis";
import { createClient } from "redis";
import { Pinger, tryRaisePriority } from "./pinger.js";
import { PrivateRedis } from "./private-redis.js";

/**
 * No operation of the store stalls the server for other clients, whatever the history length: pruning 200,000
 * checkpoints runs as many short scripts, and a `PING` from another client, sent in a loop the whole time, never
 * waits 50 ms. On a server of the test's own, so that other suites' commands on the shared server cannot add to
 * the latencies; the server and the pinger run at raised scheduling priority where allowed, so that the figure is
 * what the scripts cost other clients rather than how long a loaded machine keeps Redis off the CPU. The figures
 * (and whether the priority was raised) go to the test output.
 */

const CHECKPOINTS = 200_000;
const FILL_BATCH = 2000;
const MAX_PING_MS = 50;

let server: PrivateRedis;
let admin: ReturnType<typeof createClient>;
let prioritized = false;

beforeAll(async () => {
  server = await PrivateRedis.start(["--enable-debug-command", "yes"]);
  prioritized = tryRaisePriority(server.pid);
  admin = createClient({ url: server.url });
  admin.on("error", () => undefined);
  await admin.connect();
});

afterAll(async () => {
  await admin?.close();
  await server?.dispose();
});

/**
 * Writes checkpoints as the save script lays them out (hash `{data, executionId, timestamp}`, index entry), a few
 * thousand per script call: saving 200,000 one by one would take half a minute.
 */
const FILL = `
local index, execution_id, data_key_prefix = ARGV[1], ARGV[2], ARGV[3]
for i = 4, #ARGV, 4 do
  redis.call("HSET", data_key_prefix .. ARGV[i], "data", ARGV[i + 2], "executionId", execution_id, "timestamp", ARGV[i + 3])
  redis.call("ZADD", index, ARGV[i + 1], ARGV[i])
end
return 0
`;

/** Fills versions 1..`count` of one execution; each `data` is core's encoding of the checkpoint it names. */
async function fill(store: RedisCheckpointStore, executionId: string, count: number): Promise<void> {
  const { keys } = store;
  // One encoding, varied per version: encoding 200,000 checkpoints one by one takes longer than the prune under test.
  const template = encodeCheckpoint(createTestCheckpoint({ executionId, version: 1 }));
  for (let first = 1; first <= count; first += FILL_BATCH) {
    const args = [keys.executionIndex(executionId), executionId, keys.checkpoint("")];
    for (let version = first; version < first + FILL_BATCH && version <= count; version++) {
      const id = `${executionId}-${version}`;
      const timestamp = template.timestamp + version;
      args.push(id, String(version), JSON.stringify({ ...template, id, version, timestamp }), String(timestamp));
    }
    await admin.sendCommand(["EVAL", FILL, "0", ...args]);
  }
  await admin.sendCommand(["ZADD", keys.executions(), "0", executionId]);
}

function info(section: string, field: string, text: string): number {
  const match = new RegExp(`^${section}:.*\\b${field}=([\\d.]+)`, "m").exec(text);
  return match === null ? 0 : Number(match[1]);
}

it("the pinger sees a server that stalls (control: DEBUG SLEEP 0.2 blocks PING for about 200 ms)", async () => {
  const pinger = await Pinger.start(server.port);
  await admin.sendCommand(["DEBUG", "SLEEP", "0.2"]);
  const figures = await pinger.stop();
  console.log(`control, DEBUG SLEEP 0.2: ${figures.count} pings, max ${figures.maxMs.toFixed(1)} ms`);
  expect(figures.maxMs).toBeGreaterThan(150);
});

it(`pruning ${CHECKPOINTS.toLocaleString("en")} checkpoints keeps another client's PING under ${MAX_PING_MS} ms`, async () => {
  const store = new RedisCheckpointStore({ addr: `127.0.0.1:${server.port}`, prefix: `${uniqueId("latency")}:` });
  const executionId = uniqueId("huge");
  const filling = Date.now();
  await fill(store, executionId, CHECKPOINTS);
  const [newest] = createCheckpointChain(executionId, 1).map((cp) => ({ ...cp, version: CHECKPOINTS + 1 }));
  await store.save(newest!);
  const fillMs = Date.now() - filling;
  expect(await admin.sendCommand(["ZCARD", store.keys.executionIndex(executionId)])).toBe(CHECKPOINTS + 1);

  await admin.sendCommand(["CONFIG", "RESETSTAT"]);
  await admin.sendCommand(["CONFIG", "SET", "slowlog-log-slower-than", "1000"]);
  await admin.sendCommand(["SLOWLOG", "RESET"]);
  const pinger = await Pinger.start(server.port);
  const pruning = Date.now();
  const deleted = await store.prune(executionId, { keepLast: 1 });
  const pruneMs = Date.now() - pruning;
  const figures = await pinger.stop();

  const stats = String(await admin.sendCommand(["INFO", "commandstats"]));
  const scriptCalls = info("cmdstat_evalsha", "calls", stats) + info("cmdstat_eval", "calls", stats);
  const slow = (await admin.sendCommand(["SLOWLOG", "GET", "1000"])) as [number, number, number, string[]][];
  const longestScriptMs = Math.max(
    0,
    ...slow.filter((entry) => /^EVAL/i.test(String(entry[3][0]))).map((entry) => entry[2] / 1000),
  );
  console.log(
    `prune of ${CHECKPOINTS.toLocaleString("en")} checkpoints (keepLast 1): ${pruneMs} ms in ${scriptCalls} script calls, ` +
      `longest script ${longestScriptMs.toFixed(1)} ms; another client's PING: ${figures.count} pings, ` +
      `max ${figures.maxMs.toFixed(1)} ms, p99 ${figures.p99Ms.toFixed(2)} ms, p50 ${figures.p50Ms.toFixed(2)} ms ` +
      `(fill: ${fillMs} ms; server and pinger at ${prioritized ? "raised" : "normal"} priority)`,
  );

  expect(deleted).toBe(CHECKPOINTS);
  expect(await store.list(executionId)).toEqual([newest]);
  expect(await admin.sendCommand(["DBSIZE"])).toBe(3); // the newest hash, its index and the executions index
  expect(scriptCalls).toBeGreaterThanOrEqual(CHECKPOINTS / 1000);
  expect(figures.count).toBeGreaterThan(scriptCalls / 2); // pings really ran during the prune
  expect(figures.maxMs).toBeLessThan(MAX_PING_MS);
  await store.clear(executionId);
  await store.close();
}, 120_000);
