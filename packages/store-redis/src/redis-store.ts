import {
  CheckpointConflictError,
  CheckpointCorruptError,
  InvalidArgumentError,
  StoreClosedError,
  type Checkpoint,
  type CheckpointStore,
  type ExecutionPage,
  type ListExecutionsOptions,
  type ListOptions,
  type PruneOptions,
  type StoreCapabilities,
} from "@lg/core";
import {
  assertNonEmptyString,
  deserializeCheckpoint,
  encodeCheckpoint,
  jsonTextEqual,
  validateListExecutionsOptions,
  validateListOptions,
  validatePruneOptions,
} from "@lg/core/store";
import { RedisConnection } from "./connection.js";
import { FIELD, RedisKeys } from "./keys.js";
import { LatestReader } from "./latest-reader.js";
import { resolveRedisOptions, type RedisOptions } from "./options.js";
import { PagedCalls, type RedisStoreStats } from "./paged-calls.js";
import { integerReply, wholeHashData } from "./replies.js";
import { ScriptRunner } from "./script-runner.js";
import { DELETE, LOAD_AND_REFRESH, SAVE, SaveResult } from "./scripts.js";

const STORE_NAME = "RedisCheckpointStore";
/** Executions per `listExecutions` page when no limit is given. */
const DEFAULT_EXECUTIONS_PAGE = 100;
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

/**
 * A {@link CheckpointStore} on Redis (node-redis 5). Every multi-key change is done by Lua scripts, each atomic and
 * each doing bounded work on the server (operations that walk a long history take several calls); `latest` and
 * `load` are one round trip; nothing uses `KEYS` or `SCAN`; every call has a time bound. Checkpoints can expire (`ttl`), and
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
    taskResults: true,
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
  private readonly paged: PagedCalls;
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
    this.paged = new PagedCalls(this.scripts, this.keys, this.readRefreshTtl, resolved.ttl > 0);
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

  /**
   * Returns the checkpoint with this id, or `undefined`; one `HMGET` of its data and owner (a script with
   * `refreshOnRead`). A hash holding only one of them is `CheckpointCorruptError`, not "not found".
   */
  async load(id: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    assertNonEmptyString("id", id);
    if (!fitsInKey(id)) return undefined;
    const key = this.keys.checkpoint(id);
    let reply: unknown;
    try {
      reply =
        this.readRefreshTtl !== "0"
          ? await this.scripts.run(LOAD_AND_REFRESH, [key], [this.prefix, this.readRefreshTtl, id])
          : wholeHashData(id, await this.connection.send(["HMGET", key, FIELD.data, FIELD.executionId], key, true));
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

  /**
   * Lists an execution's checkpoints by version from its sorted-set index: one script call per
   * `LIST_PAGE_SIZE` (200) checkpoints, each reading from where the previous one stopped.
   */
  async list(executionId: string, options: ListOptions = {}): Promise<Checkpoint[]> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    validateListOptions(options);
    if (!fitsInKey(executionId)) return [];
    const { afterVersion, beforeVersion, limit, order = "asc" } = options;
    const stored = await this.paged.list(executionId, {
      low: afterVersion === undefined ? "-inf" : `(${afterVersion}`,
      high: beforeVersion === undefined ? "+inf" : `(${beforeVersion}`,
      order,
      limit,
    });
    return stored.map(({ id, text, version }) => {
      const checkpoint = this.decode(id, text);
      // The list is ordered by the index's score: a text holding another version would be listed out of order.
      if (checkpoint.version !== version) {
        throw new CheckpointCorruptError(
          id,
          `its data holds version ${checkpoint.version}, its execution index ${version}`,
        );
      }
      return checkpoint;
    });
  }

  /** Deletes one checkpoint and its index entry atomically; no error when it does not exist. */
  async delete(id: string): Promise<void> {
    this.assertOpen();
    assertNonEmptyString("id", id);
    if (!fitsInKey(id)) return;
    await this.scripts.run(DELETE, [this.keys.checkpoint(id), this.keys.executions()], [this.prefix, id]);
  }

  /**
   * Deletes every checkpoint of one execution and its indexes: one atomic script call per 200 checkpoints (see
   * `PagedCalls.clear`), so a long history never stalls the server.
   */
  async clear(executionId: string): Promise<void> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    if (!fitsInKey(executionId)) return;
    await this.paged.clear(executionId);
  }

  /**
   * Pages through executions in byte order of their UTF-8 ids (the same as code-point order) with
   * `ZRANGEBYLEX … LIMIT`; executions whose checkpoints all expired are dropped from the index on the way.
   */
  async listExecutions(options: ListExecutionsOptions = {}): Promise<ExecutionPage> {
    this.assertOpen();
    validateListExecutionsOptions(options);
    const { executions, more } = await this.paged.executions(options.cursor, options.limit ?? DEFAULT_EXECUTIONS_PAGE);
    const page: ExecutionPage = { executions };
    const last = executions[executions.length - 1];
    if (more && last !== undefined) page.nextCursor = last.executionId;
    return page;
  }

  /**
   * Deletes old checkpoints of one execution by the rules of `selectPruneVictims` in core: the newest and
   * `protect`ed ids stay; a checkpoint goes only when outside the newest `keepLast` and older than `olderThan` (each
   * rule when given). Walks the index newest first, 200 members per atomic script call, so pruning a long history
   * never stalls the server. Returns how many were deleted.
   */
  async prune(executionId: string, options: PruneOptions): Promise<number> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    validatePruneOptions(options);
    if (!fitsInKey(executionId)) return 0;
    return this.paged.prune(executionId, {
      keep: Math.max(1, options.keepLast ?? 1),
      cutoff: options.olderThan === undefined ? "" : String(options.olderThan.getTime()),
      protect: (options.protect ?? []).filter((id): id is string => typeof id === "string"),
    });
  }

  /** Resolves when Redis answers `PING`; rejects with `StoreUnavailableError` otherwise. */
  async ping(): Promise<void> {
    this.assertOpen();
    await this.connection.send(["PING"], this.keys.executions(), true);
  }

  /**
   * Counts checkpoints and executions from the index sizes (`ZCARD` per execution, 1,000 executions per script
   * call): O(executions), never a walk over checkpoints. Without `ttl` the counts are exact; with `ttl` they may
   * include checkpoints that expired and were not yet removed from their index, and `estimated` (core's
   * `StoreStats.estimated`) is true. `bytes` is not reported (it would need `MEMORY USAGE` per key).
   */
  async stats(): Promise<RedisStoreStats> {
    this.assertOpen();
    return this.paged.stats();
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

  private decode(id: string, text: string): Checkpoint {
    const checkpoint = deserializeCheckpoint(text, id);
    if (checkpoint.id !== id) {
      throw new CheckpointCorruptError(
        id,
        `the stored checkpoint carries another id (${JSON.stringify(checkpoint.id)})`,
      );
    }
    return checkpoint;
  }
}
