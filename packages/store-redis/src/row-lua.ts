import { FIELD, HIDDEN_INDEX_SUFFIX, ROW_KIND } from "./keys.js";

/**
 * The Lua functions of incremental rows (docs/incremental-checkpoints.md), part of every script's prelude: reading a
 * row and walking its chain, hiding, dropping and merging rows so that no row a kept checkpoint reads through goes,
 * and keeping the rows a checkpoint reads through alive as long as it (time to live).
 *
 * Lua never parses a row's JSON (Redis's cjson would refuse deep states and lone surrogates, and round numbers): a
 * merge appends the merged row's `state`/`items`/`counts` texts to the target as numbered parts, which the reader
 * folds in order, exactly as it would have folded the two rows. Only `kids`, an array of ids (well-formed Unicode, see
 * `assertFitsInKey`), goes through cjson.
 *
 * It relies on the base prelude of `lua.ts` (`PREFIX`, `checkpoint_key`, `index_key`, `damaged_hash`,
 * `cover_member`) and is pasted after it.
 *
 * @packageDocumentation
 */

const q = (text: string): string => JSON.stringify(text);

/** Status of a chain read: the chain reached its full row. */
export const CHAIN_DONE = 1;
/** Status of a chain read: it stopped to stay short; continue from the last row returned. */
export const CHAIN_MORE = 0;
/** Status of a chain read: the row to continue from changed (merged, re-pointed, gone): read again from the start. */
export const CHAIN_CHANGED = -2;
/** Status of a chain read: a row the chain reads through is missing; the id of the row naming it follows. */
export const CHAIN_BROKEN = -3;

/** Merged parts a row holds at least before it is compacted (see `COMPACT` in the Lua source). */
export const COMPACT_MIN_PARTS = 64;

/** Lua source of the row functions. */
export const ROW_LIB = `
local F_DATA, F_OWNER, F_KIND, F_LINK = ${q(FIELD.data)}, ${q(FIELD.executionId)}, ${q(FIELD.kind)}, ${q(FIELD.link)}
local F_HIDDEN, F_STATE, F_ITEMS, F_COUNTS = ${q(FIELD.hidden)}, ${q(FIELD.state)}, ${q(FIELD.items)}, ${q(FIELD.counts)}
local F_KIDS, F_MERGED, F_MERGED_BYTES = ${q(FIELD.kids)}, ${q(FIELD.merged)}, ${q(FIELD.mergedBytes)}
local F_ABSORBED = ${q(FIELD.absorbed)}
local DELTA = ${q(ROW_KIND.delta)}
-- A bound on every walk: a chain or a merge loop longer than this can only come from links damaged by hand.
local MAX_WALK = 10000000
-- Rows whose merged parts outgrew their own (at least ${COMPACT_MIN_PARTS} parts, at least as many bytes): delete and prune
-- return them, and the store compacts them (folds the parts, dropping overwritten values) in a later call.
local COMPACT = {}
local function hidden_key(execution_id) return PREFIX .. ${q("execution:")} .. execution_id .. ${q(HIDDEN_INDEX_SUFFIX)} end

local function set_kids(key, kids)
  if #kids == 0 then redis.call("HDEL", key, F_KIDS) else redis.call("HSET", key, F_KIDS, cjson.encode(kids)) end
end
-- Records that delta row kid reads through the row at key.
local function add_kid(key, kid)
  local text = redis.call("HGET", key, F_KIDS)
  local kids = {}
  if text then kids = cjson.decode(text) end
  kids[#kids + 1] = kid
  redis.call("HSET", key, F_KIDS, cjson.encode(kids))
end
-- The delta rows that read through row id now; entries of rows that expired or went are dropped on the way.
local function live_kids(id, execution_id)
  local key = checkpoint_key(id)
  local text = redis.call("HGET", key, F_KIDS)
  if not text then return {} end
  local kids = cjson.decode(text)
  local live = {}
  for _, kid in ipairs(kids) do
    local s = redis.call("HMGET", checkpoint_key(kid), F_OWNER, F_LINK)
    if s[1] == execution_id and s[2] == id then live[#live + 1] = kid end
  end
  if #live ~= #kids then set_kids(key, live) end
  return live
end

-- With a time to live, no row may expire before a row that reads through it. Every row first reads through (first
-- included) is made to live at least until target, a point on a grid of period ttl (the first multiple of ttl at
-- least ttl from now): expiries only ever rise to the current grid point, so the walk stops at the first row already
-- there (all above it are too) and a save extends one row, not its whole chain, except once per period.
local function extend_chain(first, execution_id, ttl)
  local t = redis.call("TIME")
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local target = math.ceil((now + ttl) / ttl) * ttl
  local slack = math.min(1000, math.floor(ttl / 4))
  local current, extended = first, false
  for _ = 1, MAX_WALK do
    local key = checkpoint_key(current)
    local left = redis.call("PTTL", key)
    if left < 0 or now + left >= target - slack then break end
    redis.call("PEXPIREAT", key, target)
    extended = true
    current = redis.call("HGET", key, F_LINK)
    if not current then break end
  end
  if extended then
    cover_member(index_key(execution_id), target - now, false)
    cover_member(hidden_key(execution_id), target - now, false)
  end
end

-- Moves row id from the sorted set from to the sorted set to (an execution's index and hidden rows), keeping its
-- version as score and covering its time to live; returns false when it was not in from.
local function move_row(id, from, to)
  local key = checkpoint_key(id)
  local version = redis.call("ZSCORE", from, id)
  if not version then return false end
  redis.call("ZREM", from, id)
  local created = redis.call("EXISTS", to) == 0
  redis.call("ZADD", to, version, id)
  local left = redis.call("PTTL", key)
  cover_member(to, math.max(left, 0), created)
  return true
end

-- Moves visible row id to the execution's hidden rows.
local function hide_row(id, execution_id)
  if move_row(id, index_key(execution_id), hidden_key(execution_id)) then
    redis.call("HSET", checkpoint_key(id), F_HIDDEN, "1")
  end
end

-- Makes hidden row id a checkpoint again (saved again with what it holds).
local function unhide_row(id, execution_id, executions)
  if move_row(id, hidden_key(execution_id), index_key(execution_id)) then
    redis.call("HDEL", checkpoint_key(id), F_HIDDEN)
    redis.call("ZADD", executions, 0, execution_id)
  end
end

-- Deletes row id for good (link and hidden as read from it); returns the row it read through (its link), if any.
local function drop_row(id, execution_id, link, hidden)
  redis.call("DEL", checkpoint_key(id))
  if hidden then
    redis.call("ZREM", hidden_key(execution_id), id)
  else
    redis.call("ZREM", index_key(execution_id), id)
  end
  return link
end

-- Folds hidden row from into its hidden parent into (whose only kid it is): its parts follow into's as numbered
-- parts, its kids read through into, and it goes.
local function merge_into(from, into, execution_id)
  local from_key, into_key = checkpoint_key(from), checkpoint_key(into)
  local n = tonumber(redis.call("HGET", into_key, F_MERGED) or "0")
  local bytes = tonumber(redis.call("HGET", into_key, F_MERGED_BYTES) or "0")
  local fields = {}
  local function add(state, items, counts)
    n = n + 1
    bytes = bytes + #(state or "") + #(items or "")
    fields[#fields + 1] = F_STATE .. "." .. n
    fields[#fields + 1] = state or "[]"
    fields[#fields + 1] = F_ITEMS .. "." .. n
    fields[#fields + 1] = items or "[]"
    fields[#fields + 1] = F_COUNTS .. "." .. n
    fields[#fields + 1] = counts or "[]"
    if #fields >= 300 then
      redis.call("HSET", into_key, unpack(fields))
      fields = {}
    end
  end
  local own = redis.call("HMGET", from_key, F_STATE, F_ITEMS, F_COUNTS, F_MERGED)
  add(own[1], own[2], own[3])
  for i = 1, tonumber(own[4] or "0") do
    local part = redis.call("HMGET", from_key, F_STATE .. "." .. i, F_ITEMS .. "." .. i, F_COUNTS .. "." .. i)
    add(part[1], part[2], part[3])
  end
  fields[#fields + 1] = F_MERGED
  fields[#fields + 1] = tostring(n)
  fields[#fields + 1] = F_MERGED_BYTES
  fields[#fields + 1] = tostring(bytes)
  fields[#fields + 1] = F_ABSORBED
  fields[#fields + 1] = "1"
  redis.call("HSET", into_key, unpack(fields))
  if n >= ${COMPACT_MIN_PARTS} then
    local own = 0
    for _, field in ipairs({F_DATA, F_STATE, F_ITEMS}) do own = own + redis.call("HSTRLEN", into_key, field) end
    if bytes >= own then COMPACT[#COMPACT + 1] = into end
  end
  local kids = live_kids(from, execution_id)
  for _, kid in ipairs(kids) do redis.call("HSET", checkpoint_key(kid), F_LINK, into) end
  set_kids(into_key, kids)
  redis.call("DEL", from_key)
  redis.call("ZREM", hidden_key(execution_id), from)
end

-- While hidden row id has exactly one kid and that kid is hidden too, the kid is merged into it.
local function fold_hidden_kids(id, execution_id)
  for _ = 1, MAX_WALK do
    local kids = live_kids(id, execution_id)
    if #kids ~= 1 or not redis.call("HGET", checkpoint_key(kids[1]), F_HIDDEN) then return end
    merge_into(kids[1], id, execution_id)
  end
end

-- Row id lost a kid: a hidden row left without kids goes, and so on up; one left with a single hidden kid absorbs it.
local function settle_parent(id, execution_id)
  for _ = 1, MAX_WALK do
    if not id then return end
    local s = redis.call("HMGET", checkpoint_key(id), F_OWNER, F_HIDDEN, F_LINK)
    if s[1] ~= execution_id then return end
    local kids = live_kids(id, execution_id)
    if not s[2] then return end
    if #kids > 0 then
      fold_hidden_kids(id, execution_id)
      return
    end
    id = drop_row(id, execution_id, s[3], true)
  end
end

-- Deletes checkpoint id (a visible row of the execution) by the rules of core's planRowRemoval: a row nothing reads
-- through goes (and hidden rows left without kids above it), one that others read through is hidden, and hidden
-- rows are merged into a hidden parent whose only kid they are.
local function remove_checkpoint(id, execution_id)
  local f = redis.call("HMGET", checkpoint_key(id), F_KIDS, F_LINK)
  -- (No kids field: no row ever read through it, the common case of a prune, read in the same call as its link.)
  if not f[1] or #live_kids(id, execution_id) == 0 then
    settle_parent(drop_row(id, execution_id, f[2], false), execution_id)
    return
  end
  hide_row(id, execution_id)
  local into, link = id, f[2]
  if link then
    local parent = redis.call("HMGET", checkpoint_key(link), F_OWNER, F_HIDDEN)
    if parent[1] == execution_id and parent[2] and #live_kids(link, execution_id) == 1 then
      merge_into(id, link, execution_id)
      into = link
    end
  end
  fold_hidden_kids(into, execution_id)
end

-- Appends one part of a row to row as three reply elements, state, items and counts (absent ones as their empty
-- JSON). The texts go out as Redis handed them: joining them here would copy each part once more inside the
-- script, which costs the server more than the reader's join costs it.
local function add_part(row, state, items, counts)
  row[#row + 1] = state or "null"
  row[#row + 1] = items or "[]"
  row[#row + 1] = counts or "[]"
end

-- Appends the merged parts of the row at key to row (a row_reply whose merged count is row[6]); returns row.
local function add_merged_parts(key, row)
  for i = 1, row[6] do
    local part = redis.call("HMGET", key, F_STATE .. "." .. i, F_ITEMS .. "." .. i, F_COUNTS .. "." .. i)
    add_part(row, part[1], part[2], part[3])
  end
  return row
end

-- One row as the read scripts return it: {id, kind, link, hidden, data, merged, own part, merged part 1, ...} ("" for
-- an absent field; each part as add_part appends it). data is returned when asked and for a row of the old layout
-- (no kind), whose state it holds. Returns row, owner; or nil, nil, error reply for a damaged hash; nil when the hash is absent.
local function row_reply(id, with_data)
  local key = checkpoint_key(id)
  local f = redis.call("HMGET", key, F_DATA, F_OWNER, F_KIND, F_LINK, F_HIDDEN, F_STATE, F_ITEMS, F_COUNTS, F_MERGED)
  local damaged = damaged_hash(id, f[1], f[2])
  if damaged then return nil, nil, damaged end
  if not f[1] then return nil end
  local kind = f[3] or ""
  local data = ""
  if with_data or kind == "" then data = f[1] end
  local row = {id, kind, f[4] or "", f[5] or "", data, tonumber(f[9] or "0")}
  add_part(row, f[6], f[7], f[8])
  return add_merged_parts(key, row), f[2]
end

-- One row a chain reads through, as row_reply(id, false) returns it, without reading its data: the fold does not
-- need it, and fetching it for each row of a long chain was about a tenth of the script's time. A row lacking its
-- owner or kind (the old layout, a damaged hash, no hash) goes to row_reply, which tells them apart; one lacking
-- only data reads through, as what the fold uses of it is whole.
local function chain_row(id)
  local key = checkpoint_key(id)
  local f = redis.call("HMGET", key, F_OWNER, F_KIND, F_LINK, F_HIDDEN, F_STATE, F_ITEMS, F_COUNTS, F_MERGED)
  if not f[1] or not f[2] then return row_reply(id, false) end
  local row = {id, f[2], f[3] or "", f[4] or "", "", tonumber(f[8] or "0")}
  add_part(row, f[5], f[6], f[7])
  return add_merged_parts(key, row), f[1]
end

-- Appends to out the rows of the chain from row current (a link of row from) up its links until the full row (returns
-- ${CHAIN_DONE}) or until rows or bytes run out (returns ${CHAIN_MORE}). A missing row returns ${CHAIN_BROKEN} and the id of the
-- row whose link names it; a damaged one its error reply.
local function walk_chain(current, from, execution_id, out, rows, bytes)
  for _ = 1, rows do
    local row, owner, err = chain_row(current)
    if err then return err end
    if not row or owner ~= execution_id then return ${CHAIN_BROKEN}, from end
    out[#out + 1] = row
    if row[2] ~= DELTA then return ${CHAIN_DONE} end
    if row[3] == "" then return ${CHAIN_BROKEN}, current end
    from, current = current, row[3]
    for i = 7, #row do bytes = bytes - #row[i] end
    if bytes <= 0 then return ${CHAIN_MORE} end
  end
  return ${CHAIN_MORE}
end

-- A chain read starting at checkpoint id: {status, row, row, ...}, the first row with its data; nil when there is
-- no such row (or it is hidden and visible_only). refresh > 0 restarts the row's time to live (and its chain's).
-- row and owner: the start row when the caller read it already (row_reply with data).
local function read_from(id, visible_only, refresh, rows, bytes, row, owner)
  local err
  if not row then row, owner, err = row_reply(id, true) end
  if err then return err end
  if not row or (visible_only and row[4] ~= "") then return false end
  if refresh > 0 then
    redis.call("PEXPIRE", checkpoint_key(id), refresh)
    cover_member(index_key(owner), refresh, false)
    if row[3] ~= "" then extend_chain(row[3], owner, refresh) end
  end
  local out = {${CHAIN_DONE}, row}
  if row[2] ~= DELTA then return out end
  if row[3] == "" then return {${CHAIN_BROKEN}, id} end
  local status, broken = walk_chain(row[3], id, owner, out, rows - 1, bytes)
  if type(status) == "table" then return status end
  if status == ${CHAIN_BROKEN} then return {status, broken} end
  out[1] = status
  return out
end
`;
