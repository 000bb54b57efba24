import { createClient } from "redis";
import { parseRow, type RawDriver, type RawRow } from "./types.js";

// One round trip for a read: the ids come from the execution's ZSET and the rows from their hashes in one script.
const NEWEST_SCRIPT = `
local ids = redis.call('ZRANGE', KEYS[1], '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i, id in ipairs(ids) do out[i] = redis.call('HGET', ARGV[1] .. id, 'data') end
return out`;

/**
 * The floor of Redis: node-redis with the store's key layout — a hash per checkpoint holding the row as one JSON
 * string, and a ZSET per execution scored by version — written with one MULTI (HSET + ZADD) and read with one
 * script call.
 */
export async function openRawRedis(url: string, prefix: string): Promise<RawDriver> {
  const client = createClient({ url });
  client.on("error", () => undefined);
  await client.connect();
  const sha = String(await client.sendCommand(["SCRIPT", "LOAD", NEWEST_SCRIPT]));
  const dataKey = `${prefix}checkpoint:`;
  const indexKey = (executionId: string): string => `${prefix}execution:${executionId}:checkpoints`;
  const newest = async (executionId: string, limit: number): Promise<string[]> =>
    (await client.sendCommand(["EVALSHA", sha, "1", indexKey(executionId), dataKey, String(limit)])) as string[];
  const parse = (data: string) => {
    const r = JSON.parse(data) as Record<keyof RawRow, unknown>;
    return parseRow([r.id, r.executionId, r.nodeName, r.state, r.metadata, r.timestamp, r.version, r.parentId, r.next]);
  };
  return {
    insert: async (r: RawRow) => {
      await client
        .multi()
        .hSet(dataKey + r.id, { data: rowJson(r), executionId: r.executionId, timestamp: String(r.timestamp) })
        .zAdd(indexKey(r.executionId), { score: r.version, value: r.id })
        .exec();
    },
    latest: async (executionId) => {
      const [data] = await newest(executionId, 1);
      return data === undefined ? undefined : parse(data);
    },
    newest: async (executionId, limit) => (await newest(executionId, limit)).map(parse).length,
    clear: async (executionId) => {
      const ids = await client.zRange(indexKey(executionId), 0, -1);
      if (ids.length > 0) await client.unlink(ids.map((id) => dataKey + id));
      await client.unlink(indexKey(executionId));
    },
    close: async () => {
      await client.close();
    },
  };
}

/** The row as one JSON document with the state, metadata and next embedded as JSON (not re-escaped as strings). */
function rowJson(r: RawRow): string {
  return (
    `{"id":${JSON.stringify(r.id)},"executionId":${JSON.stringify(r.executionId)},` +
    `"nodeName":${JSON.stringify(r.nodeName)},"state":${r.state},"metadata":${r.metadata},` +
    `"timestamp":${r.timestamp},"version":${r.version},"parentId":${JSON.stringify(r.parentId)},"next":${r.next}}`
  );
}
