import { defineLua as defineWithLibraries, type LuaScript } from "./lua.js";
import { REGISTRY_LIB } from "./registry-lua.js";

/** Defines a registry script: the prelude and the registry's functions (not the row functions it does not call). */
function defineLua(name: string, keyCount: number, body: string): LuaScript {
  return defineWithLibraries(name, keyCount, body, [REGISTRY_LIB]);
}

/**
 * The Lua scripts of the execution registry. Each decision (enqueue, claim, renew, release, cancel) is one script:
 * Redis runs a script alone, so of any number of concurrent claims (from any process) each execution goes to one.
 * Times come from `TIME` inside the script. Every key a script touches is under the store's prefix; those it does
 * not get in `KEYS` it builds with the prelude's builders (in a cluster the prefix's hash tag puts them all in one
 * slot). See `registry-lua.ts` for the record's indexes.
 *
 * @packageDocumentation
 */

/** Most executions one claim script call takes (a larger `limit` is served by more calls). */
export const CLAIM_BATCH = 100;
/**
 * What a queued execution's score in its claimable set is offset by (2^44 ms, about 557 years; scores stay exact
 * doubles): every queued score is above every lease expiry, so a claim takes expired leases first — executions that
 * were started, whose recovery must not wait behind the queue — then queued ones, oldest first.
 */
export const QUEUED_AFTER = 17_592_186_044_416;
/** Most fences one renew script call checks (more take more calls). */
export const RENEW_BATCH = 1000;
/** Most records one list script call returns per status set. */
export const RECORDS_PAGE_SIZE = 500;

/**
 * KEYS: record. ARGV: prefix, executionId, graphName, graphVersion, input, inputKey.
 * Returns `{outcome, record fields}` (`created`, `requeued`, `existing`) or `{"busy", status}`.
 */
export const ENQUEUE = defineLua(
  "enqueue",
  1,
  `
local key, id, graph, version, input, input_key = KEYS[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local r = redis.call("HMGET", key, R_STATUS, R_INPUT_KEY, R_GRAPH, R_VERSION)
local now = now_ms()
if not r[1] then
  redis.call("HSET", key, R_STATUS, "queued", R_GRAPH, graph, R_VERSION, version, R_ATTEMPTS, 0, R_INPUT, input,
    R_INPUT_KEY, input_key, R_CREATED, now, R_UPDATED, now)
  redis.call("ZADD", claimable_key(graph, version), ${QUEUED_AFTER} + now, id)
  set_status(id, false, "queued")
  return {"created", redis.call("HGETALL", key)}
end
if r[2] == input_key then return {"existing", redis.call("HGETALL", key)} end
if r[1] == "queued" or r[1] == "running" then return {"busy", r[1]} end
redis.call("HDEL", key, R_OWNER, R_TOKEN, R_EXPIRES, R_ERROR)
redis.call("HSET", key, R_STATUS, "queued", R_INPUT, input, R_INPUT_KEY, input_key, R_UPDATED, now)
redis.call("ZADD", claimable_key(r[3], r[4]), ${QUEUED_AFTER} + now, id)
set_status(id, r[1], "queued")
return {"requeued", redis.call("HGETALL", key)}
`,
);

/**
 * KEYS: the records index (routing only). ARGV: prefix, owner, limit, leaseMs, graph count, name and version of each
 * graph, then `limit` fresh tokens. Takes claimable executions of the graphs, at most `limit`: running ones whose
 * lease expired first (by expiry), then queued ones (oldest first); returns `{executionId, token, record fields, …}`.
 */
export const CLAIM = defineLua(
  "claim",
  1,
  `
local owner, limit, lease_ms, graphs = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local now = now_ms()
local expires = now + lease_ms
local candidates = {}
for g = 1, graphs do
  local set = claimable_key(ARGV[4 + 2 * g], ARGV[5 + 2 * g])
  -- Expired leases (scored by their expiry), then queued executions (scored above every expiry).
  for _, range in ipairs({{"-inf", now}, {${QUEUED_AFTER}, ${QUEUED_AFTER} + now}}) do
    local found = redis.call("ZRANGEBYSCORE", set, range[1], range[2], "WITHSCORES", "LIMIT", 0, limit)
    for i = 1, #found, 2 do candidates[#candidates + 1] = {tonumber(found[i + 1]), found[i], set} end
  end
end
table.sort(candidates, function(a, b)
  if a[1] ~= b[1] then return a[1] < b[1] end
  return a[2] < b[2]
end)
local out, taken = {}, 0
for _, c in ipairs(candidates) do
  if taken == limit then break end
  local id, set = c[2], c[3]
  local key = run_key(id)
  local r = redis.call("HMGET", key, R_STATUS, R_EXPIRES, R_ATTEMPTS)
  if r[1] == "queued" or (r[1] == "running" and tonumber(r[2]) <= now) then
    taken = taken + 1
    local token = ARGV[5 + 2 * graphs + taken]
    redis.call("HSET", key, R_STATUS, "running", R_OWNER, owner, R_TOKEN, token, R_EXPIRES, expires,
      R_ATTEMPTS, tonumber(r[3] or "0") + 1, R_UPDATED, now)
    redis.call("ZADD", set, expires, id)
    set_status(id, r[1], "running")
    out[#out + 1] = id
    out[#out + 1] = token
    out[#out + 1] = redis.call("HGETALL", key)
  elseif r[1] == "running" and r[2] then
    redis.call("ZADD", set, r[2], id) -- renewed: its score follows the lease
  else
    redis.call("ZREM", set, id) -- not claimable any more (only a change made outside the store leaves this)
  end
end
return out
`,
);

/**
 * KEYS: the records index (routing only). ARGV: prefix, leaseMs, then executionId and token of each fence.
 * Extends each lease still held to now + leaseMs; returns `{expiresAt, executionId of each lease lost, …}`.
 */
export const RENEW = defineLua(
  "renew",
  1,
  `
local expires = now_ms() + tonumber(ARGV[2])
local out = {tostring(expires)}
for i = 3, #ARGV - 1, 2 do
  local id = ARGV[i]
  if lease_held(id, ARGV[i + 1]) then
    local key = run_key(id)
    local r = redis.call("HMGET", key, R_GRAPH, R_VERSION)
    redis.call("HSET", key, R_EXPIRES, expires)
    redis.call("ZADD", claimable_key(r[1], r[2]), expires, id)
  else
    out[#out + 1] = id
  end
end
return out
`,
);

/**
 * KEYS: record. ARGV: prefix, executionId, token, status, error ("" for none; kept only with status failed).
 * Hands the execution back when the record holds the token; returns its fields, or nil when the lease is lost.
 */
export const RELEASE = defineLua(
  "release",
  1,
  `
local key, id, status, err = KEYS[1], ARGV[2], ARGV[4], ARGV[5]
if not lease_held(id, ARGV[3]) then return false end
local now = now_ms()
local r = redis.call("HMGET", key, R_GRAPH, R_VERSION)
redis.call("HDEL", key, R_OWNER, R_TOKEN, R_EXPIRES, R_ERROR)
redis.call("HSET", key, R_STATUS, status, R_UPDATED, now)
if status == "failed" and err ~= "" then redis.call("HSET", key, R_ERROR, err) end
if status == "queued" then
  redis.call("ZADD", claimable_key(r[1], r[2]), ${QUEUED_AFTER} + now, id)
else
  redis.call("ZREM", claimable_key(r[1], r[2]), id)
end
set_status(id, "running", status)
return redis.call("HGETALL", key)
`,
);

/**
 * KEYS: record. ARGV: prefix, executionId. Cancels an execution that has not ended; returns its fields (unchanged
 * when it had ended), or nil when there is no record.
 */
export const CANCEL = defineLua(
  "cancel",
  1,
  `
local key, id = KEYS[1], ARGV[2]
local r = redis.call("HMGET", key, R_STATUS, R_GRAPH, R_VERSION)
if not r[1] then return false end
if r[1] == "queued" or r[1] == "running" or r[1] == "paused" then
  redis.call("HDEL", key, R_OWNER, R_TOKEN, R_EXPIRES)
  redis.call("HSET", key, R_STATUS, "cancelled", R_UPDATED, now_ms())
  redis.call("ZREM", claimable_key(r[2], r[3]), id)
  set_status(id, r[1], "cancelled")
end
return redis.call("HGETALL", key)
`,
);

/**
 * KEYS: the records index. ARGV: prefix, lower bound (`ZRANGEBYLEX` syntax), count, then the statuses to list (none:
 * every record). Returns per status asked (or once for all) `{executionId, record fields, …}`: the first `count`
 * records after the bound in byte order, all read in this one call.
 */
export const RECORDS_PAGE = defineLua(
  "records",
  1,
  `
local low, count = ARGV[2], tonumber(ARGV[3])
local sets = {}
if #ARGV < 4 then sets[1] = KEYS[1] end
for i = 4, #ARGV do sets[#sets + 1] = status_key(ARGV[i]) end
local out = {}
for _, set in ipairs(sets) do
  local group = {}
  for _, id in ipairs(redis.call("ZRANGEBYLEX", set, low, "+", "LIMIT", 0, count)) do
    group[#group + 1] = id
    group[#group + 1] = redis.call("HGETALL", run_key(id))
  end
  out[#out + 1] = group
end
return out
`,
);

/** KEYS: the records index (routing only). ARGV: prefix, then statuses. Returns how many records have each. */
export const COUNTS = defineLua(
  "counts",
  1,
  `
local out = {}
for i = 2, #ARGV do out[#out + 1] = redis.call("ZCARD", status_key(ARGV[i])) end
return out
`,
);
