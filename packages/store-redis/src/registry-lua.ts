import { RECORD_FIELD } from "./keys.js";

/**
 * The Lua functions of the execution registry, included by the registry's scripts and by `clear` (which deletes a
 * record through them); the save script checks a lease's token itself, as `lease_held` does, so that the hottest
 * script does not define these functions on every call. They rely on the key builders of `lua.ts` (`run_key`,
 * `runs_key`, `status_key`, `claimable_key`, `CHANGES_CHANNEL`).
 *
 * A record's indexes always follow its status: it is in `runs` and in the `runs:status:` set of its status; while
 * queued or running it is also in its graph version's claimable set, scored by the time from which a claim may take
 * it (queued: when it was queued; running: when its lease expires). Every function that changes a status keeps
 * them so and announces the change on the channel, in the same script as the change.
 *
 * @packageDocumentation
 */

const q = (text: string): string => JSON.stringify(text);
const F = RECORD_FIELD;

/** Lua source of the registry functions. */
export const REGISTRY_LIB = `
local R_STATUS, R_GRAPH, R_VERSION, R_OWNER = ${q(F.status)}, ${q(F.graphName)}, ${q(F.graphVersion)}, ${q(F.owner)}
local R_TOKEN, R_EXPIRES, R_ATTEMPTS, R_INPUT = ${q(F.token)}, ${q(F.leaseExpiresAt)}, ${q(F.attempts)}, ${q(F.input)}
local R_INPUT_KEY, R_ERROR, R_CREATED, R_UPDATED = ${q(F.inputKey)}, ${q(F.error)}, ${q(F.createdAt)}, ${q(F.updatedAt)}

-- The server's clock in epoch milliseconds: the one clock every process using the store agrees on.
local function now_ms()
  local t = redis.call("TIME")
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Whether execution id's record holds the lease token (status running): what a fenced write may go on with.
local function lease_held(execution_id, token)
  local r = redis.call("HMGET", run_key(execution_id), R_STATUS, R_TOKEN)
  return r[1] == "running" and r[2] == token
end

-- Moves execution id from the status set of from (false for a new record) to that of to, and announces it (but
-- for a claim).
local function set_status(execution_id, from, to)
  if from and from ~= to then redis.call("ZREM", status_key(from), execution_id) end
  redis.call("ZADD", status_key(to), 0, execution_id)
  redis.call("ZADD", runs_key(), 0, execution_id)
  -- A claim (running) is not announced: nobody waits for an execution to start.
  if to ~= "running" then
    redis.call("PUBLISH", CHANGES_CHANNEL, cjson.encode({executionId = execution_id, status = to}))
  end
end

-- Deletes execution id's record and its index entries (no status change is announced: the record is gone).
local function drop_record(execution_id)
  local key = run_key(execution_id)
  local r = redis.call("HMGET", key, R_STATUS, R_GRAPH, R_VERSION)
  if not r[1] then return end
  redis.call("ZREM", status_key(r[1]), execution_id)
  redis.call("ZREM", runs_key(), execution_id)
  if r[2] and r[3] then redis.call("ZREM", claimable_key(r[2], r[3]), execution_id) end
  redis.call("DEL", key)
end
`;
