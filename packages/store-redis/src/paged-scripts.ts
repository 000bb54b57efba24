import { FIELD } from "./keys.js";
import { defineLua, lua } from "./lua.js";
import { REGISTRY_LIB } from "./registry-lua.js";
import { ROW_LIB } from "./row-lua.js";
import { REPAIR_BUDGET_SPENT } from "./scripts.js";

/**
 * The Lua scripts that walk an index: list, clear, prune, the executions page and stats. Redis runs one script at a
 * time and nothing else meanwhile, so a script that walked a whole index would stall every other client of the
 * server for as long as it ran (pruning 100,000 checkpoints in one script took 886 ms; at about 500,000 a script
 * passes Redis's 5 s busy limit). Each of these does a bounded amount of work per call instead and tells the
 * caller where to continue; `paged-calls.ts` calls them again until the work is done. Each call is atomic and
 * leaves the indexes exact on its own, so a caller that stops between calls (a crash, a timeout) leaves a
 * consistent, partly done execution.
 *
 * @packageDocumentation
 */

/** Index members one `prune` or `clear` call examines at most (each costs an `HMGET`, maybe a `DEL` and a `ZREM`). */
export const PAGE_BUDGET = 200;

/** Checkpoints one `list` call returns at most; a longer list takes several calls. */
export const LIST_PAGE_SIZE = 200;

/** Executions one `listExecutions` or `stats` call covers at most. */
export const EXECUTIONS_PAGE_SIZE = 1000;

/**
 * KEYS: execution index. ARGV: prefix, executionId, lowest score, highest score (ZRANGEBYSCORE syntax),
 * "asc"|"desc", wanted (1..{@link LIST_PAGE_SIZE}), refresh ttl (ms, 0 = none), repair budget, "1" for headers only.
 * Returns `{more, cursor, row, score, linkMerged, row, score, linkMerged, ...}` in the requested order: `more` is 1
 * when members may follow, to be read from after the score `cursor` (exclusive), the last one this call examined.
 * Each row is a `row_reply` with its data (headers only: `{id, kind, link, hidden, data}`), and `linkMerged` the
 * merged count of the row its link names now (-1 when none), which tells the reader whether a row it read by an
 * earlier call is still the one this row reads through. It stops after `wanted` live checkpoints or after removing
 * `repair budget` dead members.
 */
export const LIST = defineLua(
  "list",
  1,
  `
local index = KEYS[1]
local execution_id, low, high = ARGV[2], ARGV[3], ARGV[4]
local descending, want = ARGV[5] == "desc", tonumber(ARGV[6])
local refresh, budget, headers = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9] == "1"
local out = {1, ""}
local found, exhausted = 0, false
while found < want and budget > 0 and not exhausted do
  local wanted = want - found
  local batch
  if descending then
    batch = redis.call("ZREVRANGEBYSCORE", index, high, low, "WITHSCORES", "LIMIT", 0, wanted)
  else
    batch = redis.call("ZRANGEBYSCORE", index, low, high, "WITHSCORES", "LIMIT", 0, wanted)
  end
  exhausted = #batch < wanted * 2
  for i = 1, #batch, 2 do
    local id, score = batch[i], batch[i + 1]
    local key = checkpoint_key(id)
    local row, owner, err
    if headers then
      local f = redis.call("HMGET", key, F_DATA, F_OWNER, F_KIND, F_LINK, F_HIDDEN)
      err = damaged_hash(id, f[1], f[2])
      if f[1] then row, owner = {id, f[3] or "", f[4] or "", f[5] or "", f[1]}, f[2] end
    else
      row, owner, err = row_reply(id, true)
    end
    if err then return err end
    if row and owner == execution_id then
      local link_merged = -1
      if row[3] ~= "" then link_merged = tonumber(redis.call("HGET", checkpoint_key(row[3]), F_MERGED) or "0") end
      out[#out + 1] = row
      out[#out + 1] = score
      out[#out + 1] = link_merged
      found = found + 1
      if refresh > 0 then
        redis.call("PEXPIRE", key, refresh)
        if row[3] ~= "" then extend_chain(row[3], execution_id, refresh) end
      end
    else
      redis.call("ZREM", index, id)
      budget = budget - 1
    end
    -- continue after this score: members removed above cannot shift the next batch
    out[2] = score
    if descending then high = "(" .. score else low = "(" .. score end
    if budget <= 0 then
      exhausted = false
      break
    end
  end
end
if exhausted then out[1] = 0 end
if refresh > 0 and found > 0 then cover_member(index, refresh, false) end
return out
`,
);

/**
 * KEYS: execution index, executions index, hidden index, registry record. ARGV: prefix, executionId, ceiling
 * (highest score to clear; "" on the first call, which fixes it at the current newest version), budget.
 * The first call also deletes the execution's registry record (so a lease on it is lost from then on).
 * Returns `{removed, ceiling}`: checkpoints removed by this call, and the ceiling to pass to the next call, or ""
 * when the clear is done. It goes newest first, so every chain stays whole between calls: the rows a checkpoint
 * reads through go after it, with it once nothing else reads through them. A save that lands between calls with a
 * version above the ceiling survives, with its index entries and the rows it reads through (hidden), as if it had
 * come after the clear. Once the index is empty, hidden rows left over (their readers expired) go too.
 */
export const CLEAR = defineLua(
  "clear",
  4,
  `
local index, executions, hidden, execution_id = KEYS[1], KEYS[2], KEYS[3], ARGV[2]
local ceiling, budget = ARGV[3], tonumber(ARGV[4])
if ceiling == "" then
  drop_record(execution_id)
  local newest = redis.call("ZREVRANGE", index, 0, 0, "WITHSCORES")
  ceiling = newest[2] or "-inf"
end
local removed = 0
local batch = redis.call("ZREVRANGEBYSCORE", index, ceiling, "-inf", "LIMIT", 0, budget)
for _, id in ipairs(batch) do
  local owner = redis.pcall("HGET", checkpoint_key(id), F_OWNER)
  if owner == execution_id then
    remove_checkpoint(id, execution_id)
    removed = removed + 1
  else
    -- a hash naming another execution reused the id after ours expired: not ours to delete
    if type(owner) ~= "string" then redis.call("DEL", checkpoint_key(id)) end
    redis.call("ZREM", index, id)
  end
end
if #batch == budget then return {removed, ceiling} end
if redis.call("EXISTS", index) == 0 then
  local leftover = redis.call("ZRANGE", hidden, 0, budget - 1)
  for _, id in ipairs(leftover) do
    local owner = redis.pcall("HGET", checkpoint_key(id), F_OWNER)
    if type(owner) ~= "string" or owner == execution_id then redis.call("DEL", checkpoint_key(id)) end
    redis.call("ZREM", hidden, id)
  end
  if #leftover == budget then return {removed, ceiling} end
  redis.call("ZREM", executions, execution_id)
end
return {removed, ""}
`,
  [ROW_LIB, REGISTRY_LIB],
);

/**
 * KEYS: execution index, executions index. ARGV: prefix, executionId, keepLast (>= 1), olderThan (ms or ""),
 * cursor ("" on the first call, else the score the previous call examined last), live members counted by earlier
 * calls, budget, protected ids... Same rules as `selectPruneVictims` of core, applied newest first; each victim goes
 * by `remove_checkpoint` (hidden instead while later rows read through it).
 * Returns `{deleted, counted, cursor, ids…}`: checkpoints deleted by this call, live members counted so far, the
 * cursor for the next call ("" when the prune is done), and the ids of rows to compact.
 */
export const PRUNE = defineLua(
  "prune",
  2,
  `
local index, executions, execution_id = KEYS[1], KEYS[2], ARGV[2]
local keep, cutoff = tonumber(ARGV[3]), tonumber(ARGV[4])
local cursor, live, budget = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
local protected = {}
for i = 8, #ARGV do protected[ARGV[i]] = true end
local high = "+inf"
if cursor ~= "" then
  high = "(" .. cursor
  -- A later call deletes only below a live checkpoint: if those counted by earlier calls were deleted meanwhile
  -- (by delete or another prune), the newest may now be below the cursor, and it must stay. Expired members met
  -- on the way are removed; they cost budget.
  local above = false
  for _ = 1, budget do
    local newest = redis.call("ZREVRANGE", index, 0, 0, "WITHSCORES")
    if not newest[1] or tonumber(newest[2]) <= tonumber(cursor) then break end
    if owner_of(checkpoint_key(newest[1])) == execution_id then
      above = true
      break
    end
    redis.call("ZREM", index, newest[1])
  end
  if not above then return {0, live, ""} end
end
local victims = {}
local batch = redis.call("ZREVRANGEBYSCORE", index, high, "-inf", "WITHSCORES", "LIMIT", 0, budget)
for i = 1, #batch, 2 do
  local id = batch[i]
  local stored = redis.call("HMGET", checkpoint_key(id), F_OWNER, ${lua(FIELD.timestamp)})
  if stored[1] ~= execution_id then
    redis.call("ZREM", index, id)
  else
    live = live + 1
    local timestamp = tonumber(stored[2])
    if live > keep and not protected[id] and (cutoff == nil or (timestamp ~= nil and timestamp < cutoff)) then
      victims[#victims + 1] = id
    end
  end
end
-- Oldest first: each hidden victim then folds into the one hidden before it, one row's parts at a time (newest
-- first would carry the parts gathered so far down the chain at every step).
for i = #victims, 1, -1 do remove_checkpoint(victims[i], execution_id) end
local deleted = #victims
if #batch == budget * 2 then return {deleted, live, batch[#batch], unpack(COMPACT)} end
if redis.call("EXISTS", index) == 0 then redis.call("ZREM", executions, execution_id) end
return {deleted, live, "", unpack(COMPACT)}
`,
);

/**
 * KEYS: executions index. ARGV: prefix, lowest member (ZRANGEBYLEX syntax), limit (1..{@link EXECUTIONS_PAGE_SIZE}),
 * repair budget. Returns `{more, executionId, latestVersion, timestamp, ...}` where `more` is 1 when executions
 * follow the page and 0 otherwise, or `{REPAIR_BUDGET_SPENT}` (call again: the repairs are kept). Executions whose checkpoints all expired leave
 * the index here.
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
      local key = checkpoint_key(newest[1])
      local stored = redis.call("HMGET", key, ${lua(FIELD.executionId)}, ${lua(FIELD.timestamp)})
      -- a hash that is there without its owner was damaged, not expired: say so rather than repair it away
      if not stored[1] and redis.call("EXISTS", key) == 1 then return damaged_reply(newest[1]) end
      if stored[1] == execution_id then
        if not stored[2] then return damaged_reply(newest[1]) end
        out[#out + 1] = execution_id
        out[#out + 1] = newest[2]
        out[#out + 1] = stored[2]
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
 * KEYS: executions index. ARGV: prefix, lowest member (ZRANGEBYLEX syntax), page size, "1" when checkpoints
 * expire. Returns `{checkpoints, executions, next lowest member or ""}` for one page of executions: `ZCARD` of each
 * index, O(1) per execution. With expiry, up to two expired members at the old end of each index (where members
 * expire first) are removed before counting, as a save does; expired members further in are still counted, which
 * is why the store reports such counts as estimates.
 */
export const STATS_PAGE = defineLua(
  "stats",
  1,
  `
local executions = KEYS[1]
local low, page, expiring = ARGV[2], tonumber(ARGV[3]), ARGV[4] == "1"
local checkpoints, alive = 0, 0
local batch = redis.call("ZRANGEBYLEX", executions, low, "+", "LIMIT", 0, page)
for _, execution_id in ipairs(batch) do
  local index = index_key(execution_id)
  if expiring then
    for _, oldest in ipairs(redis.call("ZRANGE", index, 0, 1)) do
      if owner_of(checkpoint_key(oldest)) == execution_id then break end
      redis.call("ZREM", index, oldest)
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
