import { FIELD, RECORD_FIELD } from "./keys.js";
import { defineLua, lua } from "./lua.js";
import { CHAIN_BROKEN, CHAIN_CHANGED, CHAIN_DONE } from "./row-lua.js";

/**
 * The Lua scripts whose work per call is small or bounded: save, unhide, latest, the chain read, delete. Each multi-key
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
  /** The same id with identical content was already stored: nothing changed (a hidden row is a checkpoint again). */
  unchanged: 1,
  /** The id is stored with different content, or stored another way (compare the checkpoints read back). */
  idTaken: 2,
  /** Another live checkpoint of the execution (or a hidden row of it) holds the version. */
  versionTaken: 3,
  /**
   * A delta row whose link is gone (deleted, expired, another execution's) or absorbed other rows: save the
   * checkpoint as a full row.
   */
  needFull: 4,
  /** A fenced save whose lease token the execution's registry record no longer holds (or not as running): nothing written. */
  leaseLost: 5,
} as const;

/**
 * KEYS: checkpoint hash, execution index, executions index, hidden index, registry record.
 * ARGV: prefix, id, executionId, version, data (the checkpoint JSON without its state), timestamp (ms), ttl (ms, 0 =
 * none), kind, state, items, counts, link (the last three "" for a full row), and for a save under a lease its token.
 * The lease is checked first: a save whose lease is lost writes nothing and is told so, whatever else it would meet.
 * A delta row is written only while the row it links to is there, in this same atomic call, so no delta row is ever
 * stored with a broken chain; the linked row records it among its kids (so retention keeps what it reads through).
 */
export const SAVE = defineLua(
  "save",
  5,
  `
local data_key, index, executions, hidden = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, execution_id, version, body, timestamp = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if ARGV[13] then
  local lease = redis.call("HMGET", KEYS[5], ${lua(RECORD_FIELD.status)}, ${lua(RECORD_FIELD.token)})
  if lease[1] ~= "running" or lease[2] ~= ARGV[13] then return ${SaveResult.leaseLost} end
end
local ttl = tonumber(ARGV[7])
local kind, state, items, counts, link = ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12]
local stored = redis.call("HMGET", data_key, F_DATA, F_KIND, F_STATE, F_ITEMS, F_LINK, F_ABSORBED, F_HIDDEN, F_OWNER)
if stored[1] then
  -- The same row written the same way (a row others were merged into holds more than it was saved with).
  if stored[1] == body and stored[2] == kind and stored[3] == state and (stored[4] or "") == items
    and (stored[5] or "") == link and not stored[6] and stored[8] == execution_id then
    if stored[7] then unhide_row(id, execution_id, executions) end
    return ${SaveResult.unchanged}
  end
  return ${SaveResult.idTaken}
end
for _, holders in ipairs({index, hidden}) do
  for _, holder in ipairs(redis.call("ZRANGEBYSCORE", holders, version, version)) do
    if owner_of(checkpoint_key(holder)) == execution_id then return ${SaveResult.versionTaken} end
    redis.call("ZREM", holders, holder) -- expired: its version is free again
  end
end
local fields = {F_DATA, body, F_OWNER, execution_id, ${lua(FIELD.timestamp)}, timestamp, F_KIND, kind, F_STATE, state}
if kind == DELTA then
  local parent = checkpoint_key(link)
  -- Gone, another execution's, or folding to more than its checkpoint (rows were merged into it): not a base to
  -- continue from.
  if owner_of(parent) ~= execution_id or redis.call("HEXISTS", parent, F_ABSORBED) == 1 then
    return ${SaveResult.needFull}
  end
  add_kid(parent, id)
  for _, value in ipairs({F_ITEMS, items, F_COUNTS, counts, F_LINK, link}) do fields[#fields + 1] = value end
end
local created = redis.call("EXISTS", index) == 0
redis.call("HSET", data_key, unpack(fields))
if ttl > 0 then
  redis.call("PEXPIRE", data_key, ttl)
  if kind == DELTA then extend_chain(link, execution_id, ttl) end
end
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

/**
 * KEYS: checkpoint hash, executions index. ARGV: prefix, id, executionId. Makes a hidden row of the execution a
 * checkpoint again (a re-save of what it holds, found equal by reading it back); no-op otherwise.
 */
export const UNHIDE = defineLua(
  "unhide",
  2,
  `
local s = redis.call("HMGET", KEYS[1], F_OWNER, F_HIDDEN)
if s[1] == ARGV[3] and s[2] then unhide_row(ARGV[2], ARGV[3], KEYS[2]) end
return 0
`,
);

/** Expired index members one read script call may remove before handing back (keeps each call short). */
export const REPAIR_BUDGET = "256";

/** Returned by the read scripts when they used up their repair budget: call again (the repairs are kept). */
export const REPAIR_BUDGET_SPENT = -1;

/**
 * KEYS: execution index. ARGV: prefix, executionId, refresh ttl (ms, 0 = no refresh), repair budget, chain rows,
 * chain bytes. Returns the chain read (see {@link CHAIN}) of the newest live checkpoint, nil when there is none,
 * or {@link REPAIR_BUDGET_SPENT}.
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
  local row, owner, err = row_reply(newest, true)
  if err then return err end
  if row and owner == execution_id then
    return read_from(newest, true, refresh, tonumber(ARGV[5]), tonumber(ARGV[6]), row, owner)
  end
  redis.call("ZREM", index, newest)
end
return ${REPAIR_BUDGET_SPENT}
`,
);

/**
 * KEYS: checkpoint hash of the row to start from. ARGV: prefix, id, "1" to see visible rows only, refresh ttl (ms,
 * 0 = none), chain rows, chain bytes, link and merged count expected of the start row ("" on a first call).
 *
 * A first call returns `{status, row, row, …}`: the start row (with its `data`), then the rows of its chain up to
 * the full row, at most `chain rows` of them or about `chain bytes`; nil when there is no such checkpoint. A next call
 * (the last row returned, with its link and merged count) first checks that the row still links to the same row and
 * holds the same parts — nothing the rest of the chain reads can have changed otherwise — and returns
 * `{CHAIN_CHANGED}` if not, else `{status, row, …}` from its link on. `status` is `CHAIN_DONE`, `CHAIN_MORE` or
 * `{CHAIN_BROKEN, id}` (a row named by id's link is missing).
 */
export const CHAIN = defineLua(
  "chain",
  1,
  `
local id, visible_only, refresh = ARGV[2], ARGV[3] == "1", tonumber(ARGV[4])
local rows, bytes, link, merged = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7], ARGV[8]
if link == "" then return read_from(id, visible_only, refresh, rows, bytes) end
local s = redis.call("HMGET", KEYS[1], F_OWNER, F_LINK, F_MERGED)
if not s[1] or s[2] ~= link or (s[3] or "0") ~= merged then return {${CHAIN_CHANGED}} end
local out = {${CHAIN_DONE}}
local status, broken = walk_chain(link, id, s[1], out, rows, bytes)
if type(status) == "table" then return status end
if status == ${CHAIN_BROKEN} then return {status, broken} end
out[1] = status
return out
`,
);

/**
 * KEYS: checkpoint hash, executions index. ARGV: prefix, id. Deletes checkpoint id (`remove_checkpoint`: hidden
 * instead when later rows read through it). Returns `{deleted (1 or 0), ids of rows to compact…}`.
 */
export const DELETE = defineLua(
  "delete",
  2,
  `
local data_key, executions, id = KEYS[1], KEYS[2], ARGV[2]
local s = redis.call("HMGET", data_key, F_OWNER, F_HIDDEN)
local execution_id = s[1]
if not execution_id then
  return {redis.call("DEL", data_key)}
end
if s[2] then return {0} end
remove_checkpoint(id, execution_id)
if redis.call("EXISTS", index_key(execution_id)) == 0 then redis.call("ZREM", executions, execution_id) end
return {1, unpack(COMPACT)}
`,
);

/**
 * KEYS: checkpoint hash. ARGV: prefix, id, merged count expected, kind, state, items, counts, data ("": keep).
 * Replaces a row's own parts and merged parts by their fold (a full row: one new whole state), unless its merged
 * count changed since it was read (another merge, another compaction): returns 1 when it did, 0 otherwise.
 */
export const COMPACT = defineLua(
  "compact",
  1,
  `
local key, expected = KEYS[1], ARGV[3]
local n = redis.call("HGET", key, F_MERGED)
if n ~= expected then return 0 end
local fields = {F_MERGED, F_MERGED_BYTES}
for i = 1, tonumber(n) do
  fields[#fields + 1] = F_STATE .. "." .. i
  fields[#fields + 1] = F_ITEMS .. "." .. i
  fields[#fields + 1] = F_COUNTS .. "." .. i
  if #fields >= 300 then
    redis.call("HDEL", key, unpack(fields))
    fields = {}
  end
end
if #fields > 0 then redis.call("HDEL", key, unpack(fields)) end
redis.call("HSET", key, F_KIND, ARGV[4], F_STATE, ARGV[5])
if ARGV[6] ~= "" then redis.call("HSET", key, F_ITEMS, ARGV[6], F_COUNTS, ARGV[7]) else redis.call("HDEL", key, F_ITEMS, F_COUNTS) end
if ARGV[8] ~= "" then redis.call("HSET", key, F_DATA, ARGV[8]) end
return 1
`,
);
