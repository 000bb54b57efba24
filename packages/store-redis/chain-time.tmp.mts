import { RedisCheckpointStore } from "/work/main/packages/store-redis/dist/index.js";
import { createClient } from "redis";
const prefix = `lgchaintime${Date.now()}:`;
const store = new RedisCheckpointStore({ url: "redis://127.0.0.1:6379", prefix });
const text = "x".repeat(1000);
const executionId = "e1";
let parent: any = { id: "c0", executionId, version: 1, nodeName: "n", state: { messages: [], turn: 0 }, metadata: {}, timestamp: new Date(), next: [] };
await store.save(parent);
for (let i = 1; i < 1000; i++) {
  const cp = { ...parent, id: `c${i}`, version: i + 1, parentId: parent.id, state: { messages: [...parent.state.messages, { n: i, text }], turn: i } };
  await store.save(cp, { changes: { parentId: parent.id, whole: ["turn"], appended: { messages: 1 } } });
  parent = cp;
}
const admin = createClient({ url: "redis://127.0.0.1:6379" });
await admin.connect();
const plain = `local out = {} for i = 0, 999 do out[#out+1] = redis.call("HMGET", KEYS[1] .. i, "data", "executionId", "kind", "link", "hidden", "state", "items", "counts", "merged") end return out`;
const time = async (f: () => Promise<unknown>) => { const t = []; for (let i = 0; i < 15; i++) { const t0 = performance.now(); await f(); t.push(performance.now() - t0); } t.sort((a, b) => a - b); return t[7]!.toFixed(2); };
console.log("plain 1000 HMGET in Lua ms", await time(() => admin.sendCommand(["EVAL", plain, "1", `${prefix}checkpoint:c`])));
console.log("latest ms", await time(() => store.latest(executionId)));
console.log("load ms", await time(() => store.load("c999")));
const info = async () => { const s = String(await admin.sendCommand(["INFO", "commandstats"])); return s.split("\n").filter((l) => l.startsWith("cmdstat_evalsha") || l.startsWith("cmdstat_eval:")).join(" | "); };
console.log(await info());
let cursor = "0";
do { const [n, keys] = (await admin.sendCommand(["SCAN", cursor, "MATCH", `${prefix}*`, "COUNT", "1000"])) as [string, string[]]; if (keys.length) await admin.sendCommand(["UNLINK", ...keys]); cursor = n; } while (cursor !== "0");
await admin.quit(); await store.close();
