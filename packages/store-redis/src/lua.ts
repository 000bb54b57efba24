import { createHash } from "node:crypto";
import {
  CHECKPOINT_KEY_PART,
  EXECUTION_INDEX_SUFFIX,
  EXECUTION_KEY_PART,
  FIELD,
  RUN_KEY_PART,
  RUNS_CHANNEL_PART,
  RUNS_CLAIMABLE_KEY_PART,
  RUNS_KEY_PART,
  RUNS_STATUS_KEY_PART,
} from "./keys.js";
import { ROW_LIB } from "./row-lua.js";

/**
 * How the store's Lua scripts are defined: the shared prelude (key builders made from the same constants as the
 * TypeScript ones, the owner check, the index time-to-live rule) followed by the libraries each script uses
 * (the row functions of `row-lua.ts`, the registry functions of `registry-lua.ts`), and the SHA1 each is sent by.
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

/** A TypeScript string constant as a Lua string literal (ASCII constants: a JSON string is a Lua string). */
export const lua = (text: string): string => JSON.stringify(text);

/**
 * Start of the error reply of a script that met a checkpoint hash lacking one of its fields (`data`, `executionId`,
 * `timestamp`); the hex of the checkpoint id follows (see {@link damagedHashId}).
 */
export const DAMAGED_HASH_REPLY = "LGDAMAGED";

/** What a {@link DAMAGED_HASH_REPLY} means, for the `CheckpointCorruptError` it becomes. */
export const DAMAGED_HASH_DETAIL =
  "its hash lacks one of its fields (data, executionId, timestamp), which a save writes together: it was changed outside the store";

/** The checkpoint id named by a {@link DAMAGED_HASH_REPLY} error message, or `undefined` when there is none. */
export function damagedHashId(message: string): string | undefined {
  const hex = /^LGDAMAGED ([0-9a-f]*)/.exec(message)?.[1];
  return hex === undefined || hex.length === 0 ? undefined : Buffer.from(hex, "hex").toString("utf8");
}

/** Helpers shared by every script, built from the same constants as the TypeScript key builders. */
const PRELUDE = `
local PREFIX = ARGV[1]
local function checkpoint_key(id) return PREFIX .. ${lua(CHECKPOINT_KEY_PART)} .. id end
local function index_key(execution_id)
  return PREFIX .. ${lua(EXECUTION_KEY_PART)} .. execution_id .. ${lua(EXECUTION_INDEX_SUFFIX)}
end
local function run_key(execution_id) return PREFIX .. ${lua(RUN_KEY_PART)} .. execution_id end
local function runs_key() return PREFIX .. ${lua(RUNS_KEY_PART)} end
local function status_key(status) return PREFIX .. ${lua(RUNS_STATUS_KEY_PART)} .. status end
-- #name is its length in bytes, as Buffer.byteLength in RedisKeys.claimable
local function claimable_key(name, version) return PREFIX .. ${lua(RUNS_CLAIMABLE_KEY_PART)} .. #name .. ":" .. name .. version end
local CHANGES_CHANNEL = PREFIX .. ${lua(RUNS_CHANNEL_PART)}
-- The execution a stored checkpoint belongs to; false when its hash is gone or is not a hash.
local function owner_of(key)
  local owner = redis.pcall("HGET", key, ${lua(FIELD.executionId)})
  if type(owner) == "string" then return owner end
  return false
end
-- A save writes data, executionId and timestamp together and expiry removes the whole hash, so a hash lacking one
-- of them was damaged outside the store: reading past it (or repairing it away) would hide a checkpoint. The error
-- reply names the id in hex (any id fits an error line).
local function damaged_reply(id)
  return redis.error_reply(${lua(DAMAGED_HASH_REPLY)} .. " " .. (id:gsub(".", function(c) return string.format("%02x", c:byte()) end)))
end
-- The damaged_reply of a hash holding only one of data and owner (executionId), or nil for a whole or absent hash.
local function damaged_hash(id, data, owner)
  if (not data) == (not owner) then return nil end
  return damaged_reply(id)
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

/**
 * Defines a script: the prelude, the Lua libraries it uses (the row functions of `row-lua.ts` unless told otherwise;
 * the registry's functions of `registry-lua.ts` where asked for) and `body`, with its SHA1 computed once. A script
 * carries only the libraries it calls: the chunk defines every local function of them on each call, which costs
 * microseconds per library on the server.
 */
export function defineLua(
  name: string,
  keyCount: number,
  body: string,
  libraries: readonly string[] = [ROW_LIB],
): LuaScript {
  const source = PRELUDE + libraries.join("") + body;
  return { name, keyCount, source, sha: createHash("sha1").update(source).digest("hex") };
}
