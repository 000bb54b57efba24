import { FIELD } from "./keys.js";
import { defineLua, lua } from "./lua.js";

/**
 * The Lua scripts whose work per call is small by nature: save, load with refresh, latest, delete. Each multi-key
 * change is one script, so Redis runs it atomically: a save adds its hash and both index entries or nothing. The
 * scripts that walk an index page by page are in `paged-scripts.ts`.
 *
 * @packageDocumentation
 */

export type { LuaScript } from "./lua.js";

/** What {@link SAVE} returns. */
export const SaveResult = {
  /** Stored. */
  saved: 0,
  /** The same id with identical content was already stored: nothing changed. */
  unchanged: 1,
  /** The id is stored with different content. */
  idTaken: 2,
  /** Another live checkpoint of the execution holds the version. */
  versionTaken: 3,
} as const;

/**
 * KEYS: checkpoint hash, execution index, executions index.
 * ARGV: prefix, id, executionId, version, JSON, timestamp (ms), ttl (ms, 0 = none).
 */
export const SAVE = defineLua(
  "save",
  3,
  `
local data_key, index, executions = KEYS[1], KEYS[2], KEYS[3]
local id, execution_id, version, body, timestamp = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local ttl = tonumber(ARGV[7])
local stored = redis.call("HGET", data_key, ${lua(FIELD.data)})
if stored then
  if stored == body then return ${SaveResult.unchanged} end
  return ${SaveResult.idTaken}
end
for _, holder in ipairs(redis.call("ZRANGEBYSCORE", index, version, version)) do
  if owner_of(checkpoint_key(holder)) == execution_id then return ${SaveResult.versionTaken} end
  redis.call("ZREM", index, holder) -- expired: its version is free again
end
local created = redis.call("EXISTS", index) == 0
redis.call("HSET", data_key, ${lua(FIELD.data)}, body, ${lua(FIELD.executionId)}, execution_id, ${lua(FIELD.timestamp)}, timestamp)
if ttl > 0 then redis.call("PEXPIRE", data_key, ttl) end
redis.call("ZADD", index, version, id)
cover_member(index, ttl, created)
redis.call("ZADD", executions, 0, execution_id)
if ttl > 0 then
  -- Older members expire first: drop up to two expired ones per save so that an index nobody reads stays small.
  for _, oldest in ipairs(redis.call("ZRANGE", index, 0, 1)) do
    if owner_of(checkpoint_key(oldest)) == execution_id then break end
    redis.call("ZREM", index, oldest)
  end
end
return ${SaveResult.saved}
`,
);

/** Expired index members one read script call may remove before handing back (keeps each call short). */
export const REPAIR_BUDGET = "256";

/** Returned by the read scripts when they used up their repair budget: call again (the repairs are kept). */
export const REPAIR_BUDGET_SPENT = -1;

/**
 * KEYS: execution index. ARGV: prefix, executionId, refresh ttl (ms, 0 = no refresh), repair budget.
 * Returns `{id, json}` of the newest live checkpoint, nil when there is none, or {@link REPAIR_BUDGET_SPENT}.
 */
export const LATEST = defineLua(
  "latest",
  1,
  `
local index = KEYS[1]
local execution_id, refresh, budget = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
for _ = 1, budget do
  local newest = redis.call("ZREVRANGE", index, 0, 0)[1]
  if not newest then return false end
  local key = checkpoint_key(newest)
  local stored = redis.call("HMGET", key, ${lua(FIELD.data)}, ${lua(FIELD.executionId)})
  local damaged = damaged_hash(newest, stored[1], stored[2])
  if damaged then return damaged end
  if stored[1] and stored[2] == execution_id then
    if refresh > 0 then
      redis.call("PEXPIRE", key, refresh)
      cover_member(index, refresh, false)
    end
    return {newest, stored[1]}
  end
  redis.call("ZREM", index, newest)
end
return ${REPAIR_BUDGET_SPENT}
`,
);

/**
 * KEYS: checkpoint hash. ARGV: prefix, ttl (ms), id. `load` with `refreshOnRead`: returns the JSON (or nil) and
 * restarts the time to live of the hash and, if needed, of its execution index.
 */
export const LOAD_AND_REFRESH = defineLua(
  "load",
  1,
  `
local stored = redis.call("HMGET", KEYS[1], ${lua(FIELD.data)}, ${lua(FIELD.executionId)})
local damaged = damaged_hash(ARGV[3], stored[1], stored[2])
if damaged then return damaged end
if not stored[1] then return false end
local ttl = tonumber(ARGV[2])
redis.call("PEXPIRE", KEYS[1], ttl)
if stored[2] then cover_member(index_key(stored[2]), ttl, false) end
return stored[1]
`,
);

/** KEYS: checkpoint hash, executions index. ARGV: prefix, id. Returns 1 when a checkpoint was deleted. */
export const DELETE = defineLua(
  "delete",
  2,
  `
local data_key, executions, id = KEYS[1], KEYS[2], ARGV[2]
local execution_id = owner_of(data_key)
local removed = redis.call("DEL", data_key)
if execution_id then
  local index = index_key(execution_id)
  redis.call("ZREM", index, id)
  if redis.call("EXISTS", index) == 0 then redis.call("ZREM", executions, execution_id) end
end
return removed
`,
);
