import { createHash } from "node:crypto";
import { CHECKPOINT_KEY_PART, EXECUTION_INDEX_SUFFIX, EXECUTION_KEY_PART, FIELD } from "./keys.js";

/**
 * The Lua scripts of the store. Each multi-key operation is one script, so Redis runs it atomically: a save adds
 * its hash and both index entries or nothing, and a `clear` or `prune` cannot interleave with a save.
 *
 * Conventions: `ARGV[1]` is always the key prefix. Keys named in `KEYS` are the ones the caller knows; data keys
 * found in an index are built inside the script with the same prefix, which Redis Cluster allows only because a
 * cluster store's prefix holds a hash tag (every key of the store is in one slot).
 *
 * "Live" member: an index member whose hash still exists and still names this execution. Anything else (the hash
 * expired, or the id was reused by another execution after it expired) is removed from the index when a script
 * meets it; that is the lazy repair the README describes.
 *
 * @packageDocumentation
 */

/** One script: its name (for messages), Lua source, SHA1 (for `EVALSHA`) and how many `KEYS` it takes. */
export interface LuaScript {
  /** Name used in error messages. */
  readonly name: string;
  /** Full Lua source, prelude included. */
  readonly source: string;
  /** SHA1 of `source`, as `SCRIPT LOAD` would return it. */
  readonly sha: string;
  /** Number of `KEYS` arguments. */
  readonly keyCount: number;
}

const lua = (text: string): string => JSON.stringify(text); // ASCII constants: a JSON string is a Lua string

/** Helpers shared by every script, built from the same constants as the TypeScript key builders. */
const PRELUDE = `
local PREFIX = ARGV[1]
local function checkpoint_key(id) return PREFIX .. ${lua(CHECKPOINT_KEY_PART)} .. id end
local function index_key(execution_id)
  return PREFIX .. ${lua(EXECUTION_KEY_PART)} .. execution_id .. ${lua(EXECUTION_INDEX_SUFFIX)}
end
-- The execution a stored checkpoint belongs to; false when its hash is gone or is not a hash.
local function owner_of(key)
  local owner = redis.pcall("HGET", key, ${lua(FIELD.executionId)})
  if type(owner) == "string" then return owner end
  return false
end
-- Keeps an execution index alive at least as long as a member with time to live ttl (ms): a member without ttl
-- makes it persistent; a member with ttl extends it, never shortens it (another store on the prefix may use more).
local function cover_member(index, ttl, created)
  if ttl == 0 then
    redis.call("PERSIST", index)
    return
  end
  local current = redis.call("PTTL", index)
  if created or (current >= 0 and current < ttl) then redis.call("PEXPIRE", index, ttl) end
end
`;

function defineLua(name: string, keyCount: number, body: string): LuaScript {
  const source = PRELUDE + body;
  return { name, keyCount, source, sha: createHash("sha1").update(source).digest("hex") };
}

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
 * KEYS: checkpoint hash. ARGV: prefix, ttl (ms). `load` with `refreshOnRead`: returns the JSON (or nil) and
 * restarts the time to live of the hash and, if needed, of its execution index.
 */
export const LOAD_AND_REFRESH = defineLua(
  "load",
  1,
  `
local stored = redis.call("HMGET", KEYS[1], ${lua(FIELD.data)}, ${lua(FIELD.executionId)})
if not stored[1] then return false end
local ttl = tonumber(ARGV[2])
redis.call("PEXPIRE", KEYS[1], ttl)
if stored[2] then cover_member(index_key(stored[2]), ttl, false) end
return stored[1]
`,
);

/**
 * KEYS: execution index. ARGV: prefix, executionId, lowest score, highest score (ZRANGEBYSCORE syntax),
 * "asc"|"desc", limit (0 = all), refresh ttl (ms, 0 = none), repair budget.
 * Returns `{1, id, json, id, json, ...}` in the requested order, or `{REPAIR_BUDGET_SPENT}`.
 */
export const LIST = defineLua(
  "list",
  1,
  `
local index = KEYS[1]
local execution_id, low, high = ARGV[2], ARGV[3], ARGV[4]
local descending, limit = ARGV[5] == "desc", tonumber(ARGV[6])
local refresh, budget = tonumber(ARGV[7]), tonumber(ARGV[8])
local out = {1}
while true do
  local wanted = 512
  if limit > 0 then wanted = limit - (#out - 1) / 2 end
  if wanted <= 0 then break end
  local batch
  if descending then
    batch = redis.call("ZREVRANGEBYSCORE", index, high, low, "WITHSCORES", "LIMIT", 0, wanted)
  else
    batch = redis.call("ZRANGEBYSCORE", index, low, high, "WITHSCORES", "LIMIT", 0, wanted)
  end
  for i = 1, #batch, 2 do
    local id, score = batch[i], batch[i + 1]
    local key = checkpoint_key(id)
    local stored = redis.call("HMGET", key, ${lua(FIELD.data)}, ${lua(FIELD.executionId)})
    if stored[1] and stored[2] == execution_id then
      out[#out + 1] = id
      out[#out + 1] = stored[1]
      if refresh > 0 then redis.call("PEXPIRE", key, refresh) end
    else
      redis.call("ZREM", index, id)
      budget = budget - 1
      if budget <= 0 then return {${REPAIR_BUDGET_SPENT}} end
    end
    -- continue after this score: members removed above cannot shift the next batch
    if descending then high = "(" .. score else low = "(" .. score end
  end
  if #batch < wanted * 2 then break end
end
if refresh > 0 and #out > 1 then cover_member(index, refresh, false) end
return out
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

/** KEYS: execution index, executions index. ARGV: prefix, executionId. Returns how many hashes were deleted. */
export const CLEAR = defineLua(
  "clear",
  2,
  `
local index, executions, execution_id = KEYS[1], KEYS[2], ARGV[2]
local removed = 0
for _, id in ipairs(redis.call("ZRANGE", index, 0, -1)) do
  local key = checkpoint_key(id)
  local owner = redis.pcall("HGET", key, ${lua(FIELD.executionId)})
  -- a hash naming another execution reused the id after ours expired: not ours to delete
  if type(owner) ~= "string" or owner == execution_id then removed = removed + redis.call("DEL", key) end
end
redis.call("DEL", index)
redis.call("ZREM", executions, execution_id)
return removed
`,
);

/**
 * KEYS: execution index, executions index. ARGV: prefix, executionId, keepLast (>= 1), olderThan (ms or ""),
 * protected ids... Same rules as `selectPruneVictims` of core. Returns how many checkpoints were deleted.
 */
export const PRUNE = defineLua(
  "prune",
  2,
  `
local index, executions, execution_id = KEYS[1], KEYS[2], ARGV[2]
local keep, cutoff = tonumber(ARGV[3]), tonumber(ARGV[4])
local protected = {}
for i = 5, #ARGV do protected[ARGV[i]] = true end
local live, deleted = 0, 0
for _, id in ipairs(redis.call("ZREVRANGE", index, 0, -1)) do
  local key = checkpoint_key(id)
  local stored = redis.call("HMGET", key, ${lua(FIELD.executionId)}, ${lua(FIELD.timestamp)})
  if stored[1] ~= execution_id then
    redis.call("ZREM", index, id)
  else
    live = live + 1
    local timestamp = tonumber(stored[2])
    if live > keep and not protected[id] and (cutoff == nil or (timestamp ~= nil and timestamp < cutoff)) then
      redis.call("DEL", key)
      redis.call("ZREM", index, id)
      deleted = deleted + 1
    end
  end
end
if redis.call("EXISTS", index) == 0 then redis.call("ZREM", executions, execution_id) end
return deleted
`,
);

/**
 * KEYS: executions index. ARGV: prefix, lowest member (ZRANGEBYLEX syntax), limit, repair budget.
 * Returns `{more, executionId, latestVersion, timestamp, ...}` where `more` is 1 when executions follow the page
 * and 0 otherwise, or `{REPAIR_BUDGET_SPENT}`. Executions whose checkpoints all expired leave the index here.
 */
export const EXECUTIONS_PAGE = defineLua(
  "listExecutions",
  1,
  `
local executions = KEYS[1]
local low, limit, budget = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local out = {0}
local found = 0
while found < limit do
  local wanted = limit - found
  local batch = redis.call("ZRANGEBYLEX", executions, low, "+", "LIMIT", 0, wanted)
  for _, execution_id in ipairs(batch) do
    local index = index_key(execution_id)
    local alive = false
    while true do
      local newest = redis.call("ZREVRANGE", index, 0, 0, "WITHSCORES")
      if not newest[1] then break end
      local stored = redis.call("HMGET", checkpoint_key(newest[1]), ${lua(FIELD.executionId)}, ${lua(FIELD.timestamp)})
      if stored[1] == execution_id then
        out[#out + 1] = execution_id
        out[#out + 1] = newest[2]
        out[#out + 1] = stored[2] or "0"
        found = found + 1
        alive = true
        break
      end
      redis.call("ZREM", index, newest[1])
      budget = budget - 1
      if budget <= 0 then return {${REPAIR_BUDGET_SPENT}} end
    end
    if not alive then redis.call("ZREM", executions, execution_id) end
    low = "(" .. execution_id
  end
  if #batch < wanted then return out end
end
if #redis.call("ZRANGEBYLEX", executions, low, "+", "LIMIT", 0, 1) > 0 then out[1] = 1 end
return out
`,
);

/**
 * KEYS: executions index. ARGV: prefix, lowest member (ZRANGEBYLEX syntax), page size, "1" to check every member
 * (stores with ttl). Returns `{checkpoints, executions, next lowest member or ""}` for one page of executions.
 */
export const STATS_PAGE = defineLua(
  "stats",
  1,
  `
local executions = KEYS[1]
local low, page, verify = ARGV[2], tonumber(ARGV[3]), ARGV[4] == "1"
local checkpoints, alive = 0, 0
local batch = redis.call("ZRANGEBYLEX", executions, low, "+", "LIMIT", 0, page)
for _, execution_id in ipairs(batch) do
  local index = index_key(execution_id)
  if verify then
    for _, id in ipairs(redis.call("ZRANGE", index, 0, -1)) do
      if owner_of(checkpoint_key(id)) ~= execution_id then redis.call("ZREM", index, id) end
    end
  end
  local count = redis.call("ZCARD", index)
  if count == 0 then
    redis.call("ZREM", executions, execution_id)
  else
    checkpoints = checkpoints + count
    alive = alive + 1
  end
end
local next_low = ""
if #batch == page then next_low = "(" .. batch[#batch] end
return {checkpoints, alive, next_low}
`,
);
