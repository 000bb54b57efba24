import type { RedisConnection } from "./connection.js";
import { isNoScriptError } from "./connection.js";
import type { LuaScript } from "./scripts.js";

/**
 * Runs the store's Lua scripts by SHA (`EVALSHA`: the source crosses the network only once per server), falling
 * back to `EVAL` with the source when the server does not know the script yet (first use, restart, failover,
 * `SCRIPT FLUSH`). `EVAL` also caches the script, so the next call is an `EVALSHA` again.
 */
export class ScriptRunner {
  /** Creates a runner sending through `connection`. */
  constructor(private readonly connection: RedisConnection) {}

  /** Runs `script` with `keys` (routing uses the first) and `args`; resolves to the script's raw reply. */
  async run(script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    if (keys.length !== script.keyCount) {
      throw new Error(`script ${script.name} takes ${script.keyCount} keys, got ${keys.length}`);
    }
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.connection.send(["EVALSHA", script.sha, ...tail], keys[0]);
    } catch (error) {
      if (!isNoScriptError(error)) throw error;
      return this.connection.send(["EVAL", script.source, ...tail], keys[0]);
    }
  }
}
