/**
 * Data damaged underneath a store with the backend's own driver: JSON that does not parse, a truncated value, a
 * version of the wrong type, a missing field or column, a key of the wrong Redis type. Reading the damaged
 * checkpoint must reject with a typed error naming it, never hand out a silently wrong checkpoint.
 */
import { createCheckpointChain } from "@lg/store-testkit";
import { CORRUPT, UNAVAILABLE } from "./expectations.js";
import type { BackendName, BadInputCase, CaseContext, Expected, Prepared, RawWriter } from "./types.js";

type Damage = (raw: RawWriter, id: string) => Promise<void>;
type Read = "load" | "latest" | "list" | "listExecutions";

function sql(statement: string): Damage {
  return async (raw, id) => {
    if (raw.sql === undefined) throw new Error("this backend has no SQL access");
    await raw.sql(statement, id);
  };
}

function redis(...args: string[]): Damage {
  return async (raw, id) => {
    if (raw.redis === undefined) throw new Error("this backend has no Redis access");
    await raw.redis(args, id);
  };
}

/** Rewrites the JSON in a Redis checkpoint hash's data field with a Lua statement on its decoded form `d`. */
function editData(edit: string): Damage {
  const script = `local d = cjson.decode(redis.call('HGET', KEYS[1], 'data')); ${edit}; return redis.call('HSET', KEYS[1], 'data', cjson.encode(d))`;
  return redis("EVAL", script, "1", "$key");
}

/** Saves a chain of three checkpoints in a fresh execution and damages the newest. */
async function damageNewest(ctx: CaseContext, damage: Damage): Promise<Prepared> {
  const chain = createCheckpointChain(ctx.fresh("corrupt"), 3);
  for (const cp of chain) await ctx.store.save(cp);
  const newest = chain[2];
  if (newest === undefined) throw new Error("the chain has three checkpoints");
  await damage(ctx.raw, newest.id);
  return { executionId: newest.executionId, checkpointId: newest.id, checkpointIds: chain.map((cp) => cp.id) };
}

function read(ctx: CaseContext, how: Read, prepared: Prepared): Promise<unknown> {
  const { executionId = "", checkpointId = "" } = prepared;
  if (how === "load") return ctx.store.load(checkpointId);
  if (how === "latest") return ctx.store.latest(executionId);
  if (how === "listExecutions") return ctx.store.listExecutions();
  return ctx.store.list(executionId);
}

function corruptCase(
  name: string,
  how: Read,
  damages: Partial<Record<BackendName, Damage>>,
  expectedOn?: Partial<Record<BackendName, Expected>>,
): BadInputCase {
  const backends = Object.keys(damages) as BackendName[];
  return {
    name: `corrupt: ${name}`,
    area: "corrupt data",
    call: `store.${how}(${how === "load" ? "damaged id" : how === "listExecutions" ? "" : "its execution"})`,
    expected: CORRUPT,
    ...(expectedOn === undefined ? {} : { expectedOn }),
    backends,
    prepare: (ctx) => {
      const damage = damages[ctx.backend];
      if (damage === undefined) throw new Error(`no damage defined for ${ctx.backend}`);
      return damageNewest(ctx, damage);
    },
    run: (ctx, prepared) => read(ctx, how, prepared),
  };
}

const bothSql = (statement: string): Partial<Record<BackendName, Damage>> => ({
  sqlite: sql(statement),
  postgres: sql(statement),
});

/** Damage to single checkpoints, on every backend with raw access. */
export const CORRUPT_CASES: readonly BadInputCase[] = [
  corruptCase("state that is not JSON", "load", {
    sqlite: sql("UPDATE $table SET state = '{not json' WHERE id = $id"),
    redis: redis("HSET", "$key", "data", "{not json"),
  }),
  corruptCase("truncated value", "latest", {
    sqlite: sql("UPDATE $table SET state = substr(state, 1, length(state) / 2) WHERE id = $id"),
    redis: redis(
      "EVAL",
      "local d = redis.call('HGET', KEYS[1], 'data'); return redis.call('HSET', KEYS[1], 'data', string.sub(d, 1, math.floor(#d / 2)))",
      "1",
      "$key",
    ),
  }),
  corruptCase(
    "state with an unknown value tag",
    "list",
    bothSql(`UPDATE $table SET state = '{"$lg":"no-such-tag","v":1}' WHERE id = $id`),
  ),
  corruptCase("version stored as text", "load", {
    sqlite: sql("UPDATE $table SET version = 'three' WHERE id = $id"),
    redis: editData("d.version = '3'"),
  }),
  corruptCase("version 0", "list", {
    ...bothSql("UPDATE $table SET version = 0 WHERE id = $id"),
    redis: editData("d.version = 0"),
  }),
  corruptCase("version above 2^53", "list", bothSql("UPDATE $table SET version = 9007199254740993 WHERE id = $id")),
  corruptCase("version stored as text, read by list", "list", {
    sqlite: sql("UPDATE $table SET version = 'three' WHERE id = $id"),
  }),
  corruptCase("metadata that is an array", "load", {
    ...bothSql("UPDATE $table SET metadata = '[1]' WHERE id = $id"),
    redis: editData("d.metadata = {1}"),
  }),
  corruptCase("fractional version", "latest", { sqlite: sql("UPDATE $table SET version = 3.5 WHERE id = $id") }),
  corruptCase("next that is not an array", "list", bothSql(`UPDATE $table SET next = '"a"' WHERE id = $id`)),
  corruptCase("next missing", "load", {
    redis: editData("d.next = nil"),
  }),
  corruptCase("metadata that is a string", "load", bothSql(`UPDATE $table SET metadata = '"text"' WHERE id = $id`)),
  corruptCase("task results that are a number", "latest", bothSql("UPDATE $table SET tasks = '5' WHERE id = $id")),
  corruptCase("timestamp stored as text", "load", {
    sqlite: sql("UPDATE $table SET timestamp = 'noon' WHERE id = $id"),
  }),
  corruptCase("state as binary bytes", "load", { sqlite: sql("UPDATE $table SET state = x'00ff' WHERE id = $id") }),
  corruptCase("data holding another checkpoint's id", "load", {
    redis: editData("d.id = 'someone-else'"),
  }),
  corruptCase("hash with its data field missing", "load", { redis: redis("HDEL", "$key", "data") }),
  corruptCase("hash with its executionId field missing", "list", { redis: redis("HDEL", "$key", "executionId") }),
  corruptCase("hash with its data field missing, read by latest", "latest", { redis: redis("HDEL", "$key", "data") }),
  corruptCase("hash with its timestamp field missing", "listExecutions", { redis: redis("HDEL", "$key", "timestamp") }),
  corruptCase("data holding another version than its index", "list", {
    redis: editData("d.version = 7"),
  }),
  corruptCase("checkpoint key of the wrong Redis type", "list", {
    redis: redis("EVAL", "redis.call('DEL', KEYS[1]); return redis.call('SET', KEYS[1], 'x')", "1", "$key"),
  }),
];

/**
 * A column dropped underneath the store. It breaks the whole table, so it runs after every other case of the
 * backend. PostgreSQL names the missing column and says to run setup() (`StoreUnavailableError`).
 */
export const SCHEMA_CASES: readonly BadInputCase[] = [
  corruptCase("missing column", "load", bothSql("ALTER TABLE $table DROP COLUMN tasks"), {
    postgres: UNAVAILABLE,
    sqlite: UNAVAILABLE,
  }),
];
