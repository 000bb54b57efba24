import type { ExecutionSummary, StoreStats } from "@lg/core";
import type { RedisKeys } from "./keys.js";
import { arrayReply, executionSummaries, integerReply, stringAt } from "./replies.js";
import type { ScriptRunner } from "./script-runner.js";
import {
  CLEAR,
  EXECUTIONS_PAGE,
  EXECUTIONS_PAGE_SIZE,
  LIST,
  LIST_PAGE_SIZE,
  PAGE_BUDGET,
  PRUNE,
  STATS_PAGE,
} from "./paged-scripts.js";
import { REPAIR_BUDGET, REPAIR_BUDGET_SPENT } from "./scripts.js";
import { parseRow, type StoredRow } from "./rows.js";

/**
 * {@link RedisCheckpointStore.stats}: core's `StoreStats`, whose `estimated` flag this store always sets. It says
 * whether `checkpoints` may include checkpoints that expired and were not yet removed from their index (only with
 * `ttl`; exact counting would mean checking every checkpoint).
 */
export interface RedisStoreStats extends StoreStats {
  /** Core's `StoreStats.estimated`, always present: true when the store has a `ttl` (see above). */
  estimated: boolean;
}

/** What a `list` returns: the listed rows, in order, with what the reader checks them by. */
export interface ListedRows {
  /** The rows, each with its data (and its state parts unless headers only were asked for). */
  rows: StoredRow[];
  /** Each row's score in the execution index: the version the list is ordered by. */
  versions: number[];
  /** Per row, the merged count of the row its link named when it was listed (-1: no link). */
  linkMerged: number[];
}

/** What `list` asks for, in the script's terms. */
export interface ListRange {
  /** Lowest score, ZRANGEBYSCORE syntax. */
  low: string;
  /** Highest score, ZRANGEBYSCORE syntax. */
  high: string;
  /** Order by version. */
  order: "asc" | "desc";
  /** At most this many checkpoints; all when undefined. */
  limit: number | undefined;
  /** Only the rows' ids, links and data, not their state parts (`listHeaders`). */
  headersOnly: boolean;
}

/** What `prune` keeps, in the script's terms. */
export interface PruneRule {
  /** The newest this many live checkpoints stay (>= 1). */
  keep: number;
  /** Epoch ms as a string, or "" for no age rule. */
  cutoff: string;
  /** Ids that stay whatever their age or rank. */
  protect: string[];
}

/**
 * The store's operations whose work grows with history, run as a series of script calls that each do bounded
 * work (see `paged-scripts.ts`): between two calls Redis serves every other client, so no operation stalls the
 * server, whatever the history length. The price is that such an operation is atomic per call, not as a whole;
 * each call leaves the indexes exact, and the README says what a concurrent writer can see.
 */
export class PagedCalls {
  /** Creates the calls for one store. */
  constructor(
    private readonly scripts: ScriptRunner,
    private readonly keys: RedisKeys,
    /** The ttl reads restart ("0" for none). */
    private readonly refreshTtl: string,
    /** Whether checkpoints expire (stats are estimates then). */
    private readonly expiring: boolean,
  ) {}

  /** An execution's checkpoints in the range, at most {@link LIST_PAGE_SIZE} per call. */
  async list(executionId: string, range: ListRange): Promise<ListedRows> {
    const index = this.keys.executionIndex(executionId);
    let { low, high } = range;
    const found: ListedRows = { rows: [], versions: [], linkMerged: [] };
    for (;;) {
      const wanted = Math.min(LIST_PAGE_SIZE, (range.limit ?? Number.POSITIVE_INFINITY) - found.rows.length);
      const args = [
        this.keys.prefix,
        executionId,
        low,
        high,
        range.order,
        String(wanted),
        this.refreshTtl,
        REPAIR_BUDGET,
        range.headersOnly ? "1" : "0",
      ];
      const items = arrayReply(LIST.name, await this.scripts.run(LIST, [index], args));
      for (let i = 2; i + 2 < items.length; i += 3) {
        found.rows.push(parseRow(LIST.name, items[i]));
        found.versions.push(Number(stringAt(LIST.name, items, i + 1)));
        found.linkMerged.push(integerReply(LIST.name, items[i + 2]));
      }
      if (items[0] !== 1 || found.rows.length === range.limit) return found;
      const cursor = `(${stringAt(LIST.name, items, 1)}`;
      if (range.order === "desc") high = cursor;
      else low = cursor;
    }
  }

  /**
   * Deletes an execution's checkpoints, {@link PAGE_BUDGET} per call, newest first, up to the newest version at the
   * start; the first call also deletes its registry record.
   */
  async clear(executionId: string): Promise<void> {
    const keys = [
      this.keys.executionIndex(executionId),
      this.keys.executions(),
      this.keys.hiddenIndex(executionId),
      this.keys.run(executionId),
    ];
    let ceiling = "";
    do {
      const reply = arrayReply(
        CLEAR.name,
        await this.scripts.run(CLEAR, keys, [this.keys.prefix, executionId, ceiling, String(PAGE_BUDGET)]),
      );
      ceiling = stringAt(CLEAR.name, reply, 1);
    } while (ceiling !== "");
  }

  /**
   * Prunes an execution newest first, examining {@link PAGE_BUDGET} members per call; returns how many went and the
   * rows its merges left to compact.
   */
  async prune(executionId: string, rule: PruneRule): Promise<{ deleted: number; compact: string[] }> {
    const keys = [this.keys.executionIndex(executionId), this.keys.executions()];
    let cursor = "";
    let live = 0;
    let deleted = 0;
    const compact: string[] = [];
    do {
      const args = [
        this.keys.prefix,
        executionId,
        String(rule.keep),
        rule.cutoff,
        cursor,
        String(live),
        String(PAGE_BUDGET),
        ...rule.protect,
      ];
      const reply = arrayReply(PRUNE.name, await this.scripts.run(PRUNE, keys, args));
      deleted += integerReply(PRUNE.name, reply[0]);
      live = integerReply(PRUNE.name, reply[1]);
      cursor = stringAt(PRUNE.name, reply, 2);
      for (let i = 3; i < reply.length; i++) compact.push(stringAt(PRUNE.name, reply, i));
    } while (cursor !== "");
    return { deleted, compact };
  }

  /**
   * Up to `limit` executions after `cursor` (exclusive), in pages of at most {@link EXECUTIONS_PAGE_SIZE}; `more`
   * tells whether executions follow.
   */
  async executions(
    cursor: string | undefined,
    limit: number,
  ): Promise<{ executions: ExecutionSummary[]; more: boolean }> {
    const executions: ExecutionSummary[] = [];
    let low = cursor === undefined ? "-" : `(${cursor}`;
    for (;;) {
      const wanted = Math.min(EXECUTIONS_PAGE_SIZE, limit - executions.length);
      const args = [this.keys.prefix, low, String(wanted), REPAIR_BUDGET];
      const reply = arrayReply(
        EXECUTIONS_PAGE.name,
        await this.scripts.run(EXECUTIONS_PAGE, [this.keys.executions()], args),
      );
      if (reply.length === 1 && reply[0] === REPAIR_BUDGET_SPENT) continue; // it stopped to stay short; repairs kept
      const page = executionSummaries(reply);
      executions.push(...page);
      const last = page[page.length - 1];
      if (reply[0] !== 1 || last === undefined) return { executions, more: false };
      if (executions.length >= limit) return { executions, more: true };
      low = `(${last.executionId}`;
    }
  }

  /** Sums `ZCARD` of every execution index, {@link EXECUTIONS_PAGE_SIZE} executions per call. */
  async stats(): Promise<RedisStoreStats> {
    let low = "-";
    let checkpoints = 0;
    let executions = 0;
    const expiring = this.expiring ? "1" : "0";
    do {
      const args = [this.keys.prefix, low, String(EXECUTIONS_PAGE_SIZE), expiring];
      const reply = arrayReply(STATS_PAGE.name, await this.scripts.run(STATS_PAGE, [this.keys.executions()], args));
      checkpoints += integerReply(STATS_PAGE.name, reply[0]);
      executions += integerReply(STATS_PAGE.name, reply[1]);
      low = stringAt(STATS_PAGE.name, reply, 2);
    } while (low !== "");
    return { checkpoints, executions, estimated: this.expiring };
  }
}
