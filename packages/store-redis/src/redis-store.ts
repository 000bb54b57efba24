import {
  CheckpointConflictError,
  CheckpointCorruptError,
  InvalidArgumentError,
  StoreClosedError,
  assertNonEmptyString,
  deserializeCheckpoint,
  encodeCheckpoint,
  jsonTextEqual,
  validateListExecutionsOptions,
  validateListOptions,
  validatePruneOptions,
  type Checkpoint,
  type CheckpointStore,
  type ExecutionPage,
  type ListExecutionsOptions,
  type ListOptions,
  type PruneOptions,
  type StoreCapabilities,
  type StoreStats,
} from "@lg/core";
import { RedisConnection } from "./connection.js";
import { FIELD, RedisKeys } from "./keys.js";
import { LatestReader } from "./latest-reader.js";
import { resolveRedisOptions, type RedisOptions } from "./options.js";
import { arrayReply, executionSummaries, integerReply, stringAt } from "./replies.js";
import { ScriptRunner } from "./script-runner.js";
import {
  CLEAR,
  DELETE,
  EXECUTIONS_PAGE,
  LIST,
  LOAD_AND_REFRESH,
  PRUNE,
  REPAIR_BUDGET,
  REPAIR_BUDGET_SPENT,
  SAVE,
  STATS_PAGE,
  SaveResult,
  type LuaScript,
} from "./scripts.js";

const STORE_NAME = "RedisCheckpointStore";
/** Executions per `listExecutions` page when no limit is given. */
const DEFAULT_EXECUTIONS_PAGE = 100;
/** Executions counted per `stats` script call. */
const STATS_PAGE_SIZE = 200;
// A save whose id holder is deleted between the save script and the comparing read is tried again this often.
const SAVE_ATTEMPTS = 3;

/** A lone UTF-16 surrogate: it has no UTF-8 form, so it cannot be part of a Redis key and round-trip. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function fitsInKey(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

function assertFitsInKey(name: string, value: string): void {
  if (!fitsInKey(value)) {
    throw new InvalidArgumentError(
      `${name} must be well-formed Unicode (it holds a lone surrogate, which has no UTF-8 form for a Redis key)`,
    );
  }
}

function isRepairBudgetSpent(reply: unknown): boolean {
  return reply === REPAIR_BUDGET_SPENT || (Array.isArray(reply) && reply.length === 1 && reply[0] === REPAIR_BUDGET_SPENT);
}

/**
 * A {@link CheckpointStore} on Redis (node-redis 5). Every multi-key change is one Lua script, so it is atomic;
 * `latest` and `load` are one round trip; nothing uses `KEYS` or `SCAN`. Checkpoints can expire (`ttl`), and
 * the seed's key names are kept (see the README for the layout, TTL rules and Redis Cluster use).
 *
 * ```ts
 * const store = await RedisCheckpointStore.connect({ addr: "localhost:6379", prefix: "langgraph:", ttl: 86_400_000 });
 * ```
 */
export class RedisCheckpointStore implements CheckpointStore {
  /** Expiry, native prune, data kept by the server, safe to share between processes. */
  readonly capabilities: StoreCapabilities = Object.freeze({
    ttl: true,
    nativePrune: true,
    persistent: true,
    multiProcess: true,
  });
  /** The key names this store reads and writes. */
  readonly keys: RedisKeys;
  /** Time to live of each checkpoint in milliseconds; 0 when checkpoints do not expire. */
  readonly ttl: number;
  /** Whether reads restart the time to live of what they return. */
  readonly refreshOnRead: boolean;

  private readonly connection: RedisConnection;
  private readonly scripts: ScriptRunner;
  private readonly latestReader: LatestReader;
  /** The ttl reads pass to the scripts: `ttl` with `refreshOnRead`, else 0 (no refresh). */
  private readonly readRefreshTtl: string;
  private closed = false;

  /**
   * Creates the store. It connects on first use; use {@link RedisCheckpointStore.connect} to fail fast when the
   * server cannot be reached. Throws `InvalidArgumentError` for invalid options.
   */
  constructor(options: RedisOptions = {}) {
    const resolved = resolveRedisOptions(options);
    this.keys = new RedisKeys(resolved.prefix);
    this.ttl = resolved.ttl;
    this.refreshOnRead = resolved.refreshOnRead;
    this.readRefreshTtl = String(resolved.refreshOnRead ? resolved.ttl : 0);
    this.connection = new RedisConnection(resolved);
    this.scripts = new ScriptRunner(this.connection);
    this.latestReader = new LatestReader(this.connection, this.scripts, this.keys, this.readRefreshTtl);
  }

  /** Creates a store and checks the connection with `PING`; rejects with `StoreUnavailableError` if it fails. */
  static async connect(options: RedisOptions = {}): Promise<RedisCheckpointStore> {
    const store = new RedisCheckpointStore(options);
    try {
      await store.ping();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** The key prefix. */
  get prefix(): string {
    return this.keys.prefix;
  }

  /**
   * Inserts a checkpoint atomically with one script; see {@link CheckpointStore.save}. When the id is stored with
   * other text, one `HGET` tells a re-save of the same content with object keys in another order (a no-op, as on
   * every store) from a conflict.
   */
  async save(checkpoint: Checkpoint): Promise<void> {
    this.assertOpen();
    const encoded = encodeCheckpoint(checkpoint);
    const { id, executionId, version } = encoded;
    assertFitsInKey("checkpoint.id", id);
    assertFitsInKey("checkpoint.executionId", executionId);
    const body = JSON.stringify(encoded);
    const dataKey = this.keys.checkpoint(id);
    const keys = [dataKey, this.keys.executionIndex(executionId), this.keys.executions()];
    const args = [this.prefix, id, executionId, String(version), body, String(encoded.timestamp), String(this.ttl)];
    for (let attempt = 1; attempt <= SAVE_ATTEMPTS; attempt++) {
      const result = integerReply(SAVE.name, await this.scripts.run(SAVE, keys, args));
      if (result === SaveResult.saved || result === SaveResult.unchanged) return;
      if (result !== SaveResult.idTaken) break;
      const stored = await this.connection.send(["HGET", dataKey, FIELD.data], dataKey);
      if (typeof stored === "string") {
        if (jsonTextEqual(stored, body)) return;
        break;
      }
      // The stored checkpoint was deleted or expired in between: its id is free again, so save anew.
    }
    throw new CheckpointConflictError(executionId, version);
  }

  /** Returns the checkpoint with this id, or `undefined`; one `HGET` (a script with `refreshOnRead`). */
  async load(id: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    assertNonEmptyString("id", id);
    if (!fitsInKey(id)) return undefined;
    const key = this.keys.checkpoint(id);
    let reply: unknown;
    try {
      reply = this.readRefreshTtl !== "0"
        ? await this.scripts.run(LOAD_AND_REFRESH, [key], [this.prefix, this.readRefreshTtl])
        : await this.connection.send(["HGET", key, FIELD.data], key, true);
    } catch (error) {
      if (error instanceof CheckpointCorruptError) throw new CheckpointCorruptError(id, error.detail, { cause: error });
      throw error;
    }
    if (reply === null) return undefined;
    if (typeof reply !== "string") throw new CheckpointCorruptError(id, "the stored data field is not a string");
    return this.decode(id, reply);
  }

  /**
   * The newest checkpoint by version, or `undefined`: one `SORT … BY nosort LIMIT 0 1 DESC GET …` round trip,
   * O(log n) whatever the history length (see `LatestReader`); a second round trip only to repair an expired newest.
   */
  async latest(executionId: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    if (!fitsInKey(executionId)) return undefined;
    const stored = await this.latestReader.read(executionId);
    return stored === undefined ? undefined : this.decode(stored.id, stored.text);
  }

  /** Lists an execution's checkpoints by version from its sorted-set index, in one script call. */
  async list(executionId: string, options: ListOptions = {}): Promise<Checkpoint[]> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    validateListOptions(options);
    if (!fitsInKey(executionId)) return [];
    const { afterVersion, beforeVersion, limit, order = "asc" } = options;
    const reply = await this.runRepairing(
      LIST,
      [this.keys.executionIndex(executionId)],
      [
        this.prefix,
        executionId,
        afterVersion === undefined ? "-inf" : `(${afterVersion}`,
        beforeVersion === undefined ? "+inf" : `(${beforeVersion}`,
        order,
        String(limit ?? 0),
        this.readRefreshTtl,
        REPAIR_BUDGET,
      ],
    );
    const items = arrayReply(LIST.name, reply);
    const checkpoints: Checkpoint[] = [];
    for (let i = 1; i + 1 < items.length; i += 2) {
      checkpoints.push(this.decode(stringAt(LIST.name, items, i), stringAt(LIST.name, items, i + 1)));
    }
    return checkpoints;
  }

  /** Deletes one checkpoint and its index entry atomically; no error when it does not exist. */
  async delete(id: string): Promise<void> {
    this.assertOpen();
    assertNonEmptyString("id", id);
    if (!fitsInKey(id)) return;
    await this.scripts.run(DELETE, [this.keys.checkpoint(id), this.keys.executions()], [this.prefix, id]);
  }

  /** Deletes every checkpoint of one execution and its indexes in one atomic script. */
  async clear(executionId: string): Promise<void> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    if (!fitsInKey(executionId)) return;
    await this.scripts.run(
      CLEAR,
      [this.keys.executionIndex(executionId), this.keys.executions()],
      [this.prefix, executionId],
    );
  }

  /**
   * Pages through executions in byte order of their UTF-8 ids (the same as code-point order) with
   * `ZRANGEBYLEX … LIMIT`; executions whose checkpoints all expired are dropped from the index on the way.
   */
  async listExecutions(options: ListExecutionsOptions = {}): Promise<ExecutionPage> {
    this.assertOpen();
    validateListExecutionsOptions(options);
    const limit = options.limit ?? DEFAULT_EXECUTIONS_PAGE;
    const reply = await this.runRepairing(
      EXECUTIONS_PAGE,
      [this.keys.executions()],
      [this.prefix, options.cursor === undefined ? "-" : `(${options.cursor}`, String(limit), REPAIR_BUDGET],
    );
    const items = arrayReply(EXECUTIONS_PAGE.name, reply);
    const executions = executionSummaries(items);
    const page: ExecutionPage = { executions };
    const last = executions[executions.length - 1];
    if (items[0] === 1 && last !== undefined) page.nextCursor = last.executionId;
    return page;
  }

  /**
   * Deletes old checkpoints of one execution in one atomic script, by the rules of `selectPruneVictims` in core:
   * the newest and `protect`ed ids stay; a checkpoint goes only when outside the newest `keepLast` and older than
   * `olderThan` (each rule when given). Returns how many were deleted.
   */
  async prune(executionId: string, options: PruneOptions): Promise<number> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    validatePruneOptions(options);
    if (!fitsInKey(executionId)) return 0;
    const keep = Math.max(1, options.keepLast ?? 1);
    const cutoff = options.olderThan === undefined ? "" : String(options.olderThan.getTime());
    const protect = (options.protect ?? []).filter((id): id is string => typeof id === "string");
    const reply = await this.scripts.run(
      PRUNE,
      [this.keys.executionIndex(executionId), this.keys.executions()],
      [this.prefix, executionId, String(keep), cutoff, ...protect],
    );
    return integerReply(PRUNE.name, reply);
  }

  /** Resolves when Redis answers `PING`; rejects with `StoreUnavailableError` otherwise. */
  async ping(): Promise<void> {
    this.assertOpen();
    await this.connection.send(["PING"], this.keys.executions(), true);
  }

  /**
   * Counts checkpoints and executions by walking the executions index a page at a time (`ZCARD` per execution):
   * O(executions), meant for monitoring rather than hot paths. With `ttl`, each member is checked and expired ones
   * are dropped first, so the counts are exact. `bytes` is not reported (it would need `MEMORY USAGE` per key).
   */
  async stats(): Promise<StoreStats> {
    this.assertOpen();
    let low = "-";
    let checkpoints = 0;
    let executions = 0;
    const verify = this.ttl > 0 ? "1" : "0";
    do {
      const reply = arrayReply(
        STATS_PAGE.name,
        await this.scripts.run(STATS_PAGE, [this.keys.executions()], [this.prefix, low, String(STATS_PAGE_SIZE), verify]),
      );
      checkpoints += integerReply(STATS_PAGE.name, reply[0]);
      executions += integerReply(STATS_PAGE.name, reply[1]);
      low = stringAt(STATS_PAGE.name, reply, 2);
    } while (low !== "");
    return { checkpoints, executions };
  }

  /** Closes the store's own connection (an injected client stays open). Further calls reject; twice is harmless. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError(STORE_NAME);
  }

  /** Runs a read script again while it reports that it stopped to keep its repair work short. */
  private async runRepairing(script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    for (;;) {
      const reply = await this.scripts.run(script, keys, args);
      if (!isRepairBudgetSpent(reply)) return reply;
    }
  }

  private decode(id: string, text: string): Checkpoint {
    const checkpoint = deserializeCheckpoint(text, id);
    if (checkpoint.id !== id) {
      throw new CheckpointCorruptError(id, `the stored checkpoint carries another id (${JSON.stringify(checkpoint.id)})`);
    }
    return checkpoint;
  }
}
