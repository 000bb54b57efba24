import { StoreUnavailableError } from "@lg/core";
import { ErrorReply } from "redis";
import { chainPage, type ChainReader } from "./chain-reader.js";
import type { RedisConnection } from "./connection.js";
import { FIELD, ROW_KIND, type RedisKeys } from "./keys.js";
import { arrayReply } from "./replies.js";
import type { StoredRow } from "./rows.js";
import type { ScriptRunner } from "./script-runner.js";
import { CHAIN_PAGE_BYTES, CHAIN_PAGE_ROWS } from "./chain-reader.js";
import { LATEST, REPAIR_BUDGET, REPAIR_BUDGET_SPENT } from "./scripts.js";

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
 * Reads an execution's newest checkpoint in one round trip: its row and the rows its state is read through.
 *
 * The fast path, for a newest checkpoint stored whole, is one native command, no script:
 * `SORT {index} BY nosort LIMIT 0 1 DESC GET # GET {prefix}checkpoint:*->data GET …->executionId GET …->kind …`.
 * On a sorted set, `BY nosort` keeps the set's own order (by score, here the version) and `LIMIT` takes the range
 * directly, so it costs O(log n); the `GET` patterns read the hash of that member. The prefix cannot contain `*`
 * (see `validatePrefix`), so the only `*` of a pattern is where Redis puts the member. A Lua script costs about
 * 8 µs more per call on the server; this path keeps `latest` close to a plain `GET`.
 *
 * When the newest member is a delta row (its state is read through a chain), when its hash has expired (or its id
 * now belongs to another execution), when `refreshOnRead` must restart time to live, or when the server refuses the
 * SORT form, the `latest` Lua script answers instead: it skips and removes dead members atomically and returns the
 * newest live checkpoint's chain. Once a delta row was met, this reader goes to the script first (an execution
 * saved incrementally has a delta row as its newest checkpoint after its first step).
 */
export class LatestReader {
  private sortUsable: boolean;
  private deltaSeen = false;
  private readonly patterns: string[];

  /** Creates the reader; `refreshTtl` is the ttl reads restart ("0" for none). */
  constructor(
    private readonly connection: RedisConnection,
    private readonly scripts: ScriptRunner,
    private readonly chains: ChainReader,
    private readonly keys: RedisKeys,
    private readonly refreshTtl: string,
  ) {
    this.sortUsable = refreshTtl === "0";
    const fields = [FIELD.data, FIELD.executionId, FIELD.kind, FIELD.state, FIELD.merged];
    this.patterns = fields.flatMap((field) => ["GET", `${keys.checkpoint("*")}->${field}`]);
  }

  /**
   * The rows of the newest live checkpoint of `executionId` (its row first, its full row last), or `undefined` when
   * it has none. May throw `ChainChanged` (a merge between two calls of a long chain): call it inside
   * `ChainReader.consistent`.
   */
  async read(executionId: string): Promise<StoredRow[] | undefined> {
    const index = this.keys.executionIndex(executionId);
    if (this.sortUsable && !this.deltaSeen) {
      const fast = await this.readBySort(index, executionId);
      if (fast !== "stale") return fast;
    }
    return this.readByScript(index, executionId);
  }

  private async readBySort(index: string, executionId: string): Promise<StoredRow[] | undefined | "stale"> {
    let reply: unknown;
    try {
      reply = await this.connection.send(
        ["SORT", index, "BY", "nosort", "LIMIT", "0", "1", "DESC", "GET", "#", ...this.patterns],
        index,
      );
    } catch (error) {
      if (!isSortRefused(error)) throw error;
      this.sortUsable = false;
      return "stale";
    }
    const items = arrayReply(LATEST.name, reply);
    if (items.length === 0) return undefined;
    const [id, data, owner, kind, state, merged] = items;
    if (typeof id !== "string" || typeof data !== "string" || owner !== executionId || merged !== null) return "stale";
    if (kind === null) return [{ id, kind: "legacy", link: undefined, hidden: false, data, merged: 0, parts: [] }];
    if (kind === ROW_KIND.full && typeof state === "string") {
      const parts = [[state, "[]", "[]"] as const];
      return [{ id, kind: "full", link: undefined, hidden: false, data, merged: 0, parts }];
    }
    if (kind === ROW_KIND.delta) this.deltaSeen = true;
    return "stale"; // a delta row, expired, reused by another execution, or not a hash: the script sorts it out
  }

  private async readByScript(index: string, executionId: string): Promise<StoredRow[] | undefined> {
    for (;;) {
      const args = [
        this.keys.prefix,
        executionId,
        this.refreshTtl,
        REPAIR_BUDGET,
        String(CHAIN_PAGE_ROWS),
        String(CHAIN_PAGE_BYTES),
      ];
      const reply = await this.scripts.run(LATEST, [index], args);
      if (reply === REPAIR_BUDGET_SPENT) continue; // it stopped to stay short; what it removed stays removed
      if (reply === null) return undefined;
      const page = chainPage(LATEST.name, reply, executionId);
      return this.chains.complete(page, page.rows[0]?.id ?? executionId);
    }
  }
}
