import { StoreUnavailableError } from "@lg/core";
import { ErrorReply } from "redis";
import type { RedisConnection } from "./connection.js";
import { FIELD, type RedisKeys } from "./keys.js";
import { arrayReply, stringAt } from "./replies.js";
import type { ScriptRunner } from "./script-runner.js";
import { LATEST, REPAIR_BUDGET, REPAIR_BUDGET_SPENT } from "./scripts.js";

/** The newest checkpoint of an execution as stored: its id and JSON. */
export interface StoredLatest {
  /** Checkpoint id. */
  id: string;
  /** The `data` field (JSON). */
  text: string;
}

/**
 * Server answers meaning "this server will not run SORT … GET for us": an ACL user without access to all keys
 * (Redis refuses GET patterns then), a user without the SORT command, an old Redis Cluster. The store then
 * reads through the Lua script for good.
 */
const SORT_REFUSED = /(GET option of SORT denied|no permissions to run the 'sort' command|unknown command)/i;

function isSortRefused(error: unknown): boolean {
  const reply = error instanceof StoreUnavailableError ? error.cause : error;
  return reply instanceof ErrorReply && SORT_REFUSED.test(reply.message);
}

/**
 * Reads an execution's newest checkpoint in one round trip.
 *
 * The fast path is one native command, no script:
 * `SORT {index} BY nosort LIMIT 0 1 DESC GET # GET {prefix}checkpoint:*->data GET {prefix}checkpoint:*->executionId`.
 * On a sorted set, `BY nosort` keeps the set's own order (by score, here the version) and `LIMIT` takes the range
 * directly, so it costs O(log n); the `GET` patterns read the hash of that member. The prefix cannot contain `*`
 * (see `validatePrefix`), so the only `*` of a pattern is where Redis puts the member. A Lua script costs about
 * 8 µs more per call on the server; this path keeps `latest` close to a plain `GET`.
 *
 * When the newest member's hash has expired (or its id now belongs to another execution), when `refreshOnRead`
 * must restart time to live, or when the server refuses the SORT form, the `latest` Lua script answers instead:
 * it skips and removes dead members atomically and returns the newest live checkpoint.
 */
export class LatestReader {
  private sortUsable: boolean;
  private readonly dataPattern: string;
  private readonly ownerPattern: string;

  /** Creates the reader; `refreshTtl` is the ttl reads restart ("0" for none). */
  constructor(
    private readonly connection: RedisConnection,
    private readonly scripts: ScriptRunner,
    private readonly keys: RedisKeys,
    private readonly refreshTtl: string,
  ) {
    this.sortUsable = refreshTtl === "0";
    this.dataPattern = `${keys.checkpoint("*")}->${FIELD.data}`;
    this.ownerPattern = `${keys.checkpoint("*")}->${FIELD.executionId}`;
  }

  /** The newest live checkpoint of `executionId`, or `undefined` when it has none. */
  async read(executionId: string): Promise<StoredLatest | undefined> {
    const index = this.keys.executionIndex(executionId);
    if (this.sortUsable) {
      const fast = await this.readBySort(index, executionId);
      if (fast !== "stale") return fast;
    }
    return this.readByScript(index, executionId);
  }

  private async readBySort(index: string, executionId: string): Promise<StoredLatest | undefined | "stale"> {
    let reply: unknown;
    try {
      reply = await this.connection.send(
        [
          "SORT",
          index,
          "BY",
          "nosort",
          "LIMIT",
          "0",
          "1",
          "DESC",
          "GET",
          "#",
          "GET",
          this.dataPattern,
          "GET",
          this.ownerPattern,
        ],
        index,
      );
    } catch (error) {
      if (!isSortRefused(error)) throw error;
      this.sortUsable = false;
      return "stale";
    }
    const items = arrayReply(LATEST.name, reply);
    if (items.length === 0) return undefined;
    const [id, text, owner] = items;
    if (typeof id === "string" && typeof text === "string" && owner === executionId) return { id, text };
    return "stale"; // expired, reused by another execution, or not a hash: the script sorts it out
  }

  private async readByScript(index: string, executionId: string): Promise<StoredLatest | undefined> {
    for (;;) {
      const reply = await this.scripts.run(
        LATEST,
        [index],
        [this.keys.prefix, executionId, this.refreshTtl, REPAIR_BUDGET],
      );
      if (reply === REPAIR_BUDGET_SPENT) continue; // it stopped to stay short; what it removed stays removed
      if (reply === null) return undefined;
      const pair = arrayReply(LATEST.name, reply);
      return { id: stringAt(LATEST.name, pair, 0), text: stringAt(LATEST.name, pair, 1) };
    }
  }
}
