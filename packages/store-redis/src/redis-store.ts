import {
  CheckpointConflictError,
  CheckpointCorruptError,
  InvalidArgumentError,
  LeaseLostError,
  StoreClosedError,
  type Checkpoint,
  type CheckpointHeader,
  type CheckpointStore,
  type ExecutionPage,
  type ListExecutionsOptions,
  type ListOptions,
  type PruneOptions,
  type SaveOptions,
  type StoreCapabilities,
} from "@lg/core";
import {
  assertNonEmptyString,
  checkpointHeader,
  encodeIncremental,
  sameCheckpoint,
  validateListExecutionsOptions,
  validateListOptions,
  validateLeaseFence,
  validatePruneOptions,
} from "@lg/core/store";
import { ChainReader, decodeHeader, foldCheckpoint } from "./chain-reader.js";
import { Compactor } from "./compaction.js";
import { RedisConnection } from "./connection.js";
import { RedisExecutionRegistry } from "./execution-registry.js";
import { RedisKeys } from "./keys.js";
import { LatestReader } from "./latest-reader.js";
import { resolveRedisOptions, type RedisOptions } from "./options.js";
import { PagedCalls, type ListRange, type RedisStoreStats } from "./paged-calls.js";
import { RegistrySubscriber } from "./registry-subscriber.js";
import { arrayReply, integerReply, stringAt } from "./replies.js";
import type { StoredRow } from "./rows.js";
import { ScriptRunner } from "./script-runner.js";
import { DELETE, SAVE, SaveResult, UNHIDE } from "./scripts.js";
import { saveArgs } from "./save-args.js";

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

/** The list is ordered by the index's score: a row holding another version would be listed out of order. */
function checkVersion(checkpoint: Checkpoint, version: number | undefined): void {
  if (checkpoint.version !== version) {
    throw new CheckpointCorruptError(
      checkpoint.id,
      `its data holds version ${checkpoint.version}, its execution index ${String(version)}`,
    );
  }
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
  /**
   * Expiry, native prune, data kept by the server, safe to share between processes, incremental rows (a save given
   * `changes` writes only them), `listHeaders`: the same for every instance.
   */
  static readonly CAPABILITIES: StoreCapabilities = Object.freeze({
    ttl: true,
    nativePrune: true,
    persistent: true,
    multiProcess: true,
    taskResults: true,
    incremental: true,
    headerList: true,
  });
  /** {@link RedisCheckpointStore.CAPABILITIES}. */
  readonly capabilities: StoreCapabilities = RedisCheckpointStore.CAPABILITIES;
  /** The key names this store reads and writes. */
  readonly keys: RedisKeys;
  /** Time to live of each checkpoint in milliseconds; 0 when checkpoints do not expire. */
  readonly ttl: number;
  /** Whether reads restart the time to live of what they return. */
  readonly refreshOnRead: boolean;
  /**
   * The execution registry kept beside the checkpoints, under the same prefix (see the README, "Execution
   * registry"): what workers claim, lease and release. `save(cp, { lease })` is fenced by it and `clear` deletes the
   * execution's record.
   */
  readonly registry: RedisExecutionRegistry;

  private readonly connection: RedisConnection;
  private readonly scripts: ScriptRunner;
  private readonly latestReader: LatestReader;
  private readonly chains: ChainReader;
  private readonly compactor: Compactor;
  private readonly paged: PagedCalls;
  private readonly subscriber: RegistrySubscriber;
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
    this.chains = new ChainReader(this.scripts, this.keys, this.readRefreshTtl);
    this.compactor = new Compactor(this.scripts, this.keys);
    this.latestReader = new LatestReader(this.connection, this.scripts, this.chains, this.keys, this.readRefreshTtl);
    this.paged = new PagedCalls(this.scripts, this.keys, this.readRefreshTtl, resolved.ttl > 0);
    this.subscriber = new RegistrySubscriber(resolved, this.connection, this.keys.changesChannel());
    this.registry = new RedisExecutionRegistry(this.connection, this.scripts, this.keys, this.subscriber, () =>
      this.assertOpen(),
    );
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
   * Inserts a checkpoint atomically with one script; see {@link CheckpointStore.save}. With `options.changes` only
   * what changed since the parent is written (a delta row), provided the parent's row is still there when the script
   * runs; otherwise, and without `changes`, the whole state (a full row). When the id is stored otherwise (another
   * way, or with object keys in another order), the stored checkpoint is read back and compared: the same
   * checkpoint is a no-op (and a hidden row is a checkpoint again), another one a `CheckpointConflictError`.
   * With `options.lease` the same script first checks that the execution's registry record holds the lease's token
   * (status running) and otherwise writes nothing and rejects with `LeaseLostError`.
   */
  async save(checkpoint: Checkpoint, options?: SaveOptions): Promise<void> {
    this.assertOpen();
    let encoded = encodeIncremental(checkpoint, options?.changes);
    const { id, executionId } = encoded.header;
    assertFitsInKey("checkpoint.id", id);
    assertFitsInKey("checkpoint.executionId", executionId);
    const dataKey = this.keys.checkpoint(id);
    const keys = [
      dataKey,
      this.keys.executionIndex(executionId),
      this.keys.executions(),
      this.keys.hiddenIndex(executionId),
      // Fenced by the record of the lease's execution: this one, or the parent a subgraph runs under.
      this.keys.run(options?.lease?.executionId ?? executionId),
    ];
    const lease = options?.lease;
    if (lease !== undefined) validateLeaseFence(lease);
    let changes = options?.changes;
    for (let attempt = 1; attempt <= SAVE_ATTEMPTS; attempt++) {
      const args = saveArgs(this.prefix, encoded, changes, this.ttl, lease?.token);
      const result = integerReply(SAVE.name, await this.scripts.run(SAVE, keys, args));
      if (result === SaveResult.saved || result === SaveResult.unchanged) return;
      if (result === SaveResult.leaseLost) throw new LeaseLostError(lease?.executionId ?? executionId);
      if (result === SaveResult.needFull) {
        // The parent's row went (deleted, expired): this checkpoint cannot read through it, so it is stored whole.
        encoded = encodeIncremental(checkpoint);
        changes = undefined;
        attempt--;
        continue;
      }
      if (result !== SaveResult.idTaken) break;
      const stored = await this.chains.consistent(() => this.chains.readFrom(id, false));
      if (stored !== undefined) {
        if (!sameCheckpoint(foldCheckpoint(stored), checkpoint)) break;
        if (stored[0]?.hidden === true)
          await this.scripts.run(UNHIDE, [dataKey, keys[2] as string], [this.prefix, id, executionId]);
        return;
      }
      // The stored checkpoint was deleted or expired in between: its id is free again, so save anew.
    }
    throw new CheckpointConflictError(executionId, encoded.header.version);
  }

  /**
   * Returns the checkpoint with this id, or `undefined`: one script call that reads its row and the rows its state is
   * read through (one more call per 2,000 rows of a longer chain). A hash holding only one of its data and owner is
   * `CheckpointCorruptError`, not "not found"; so is a chain that does not reach a full row.
   */
  async load(id: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    assertNonEmptyString("id", id);
    if (!fitsInKey(id)) return undefined;
    const rows = await this.named(id, () => this.chains.consistent(() => this.chains.readFrom(id, true)));
    return rows === undefined ? undefined : this.named(id, () => foldCheckpoint(rows));
  }

  /**
   * The newest checkpoint by version, or `undefined`: one round trip, O(log n) whatever the history length (see
   * `LatestReader`): a native `SORT … GET` for a checkpoint stored whole, the `latest` script (which returns the
   * chain) for one stored as changes; a second round trip only to repair an expired newest.
   */
  async latest(executionId: string): Promise<Checkpoint | undefined> {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    if (!fitsInKey(executionId)) return undefined;
    const rows = await this.chains.consistent(() => this.latestReader.read(executionId));
    return rows === undefined ? undefined : foldCheckpoint(rows);
  }

  /**
   * Lists an execution's checkpoints by version from its sorted-set index: one script call per
   * `LIST_PAGE_SIZE` (200) checkpoints, each reading from where the previous one stopped, with each listed row's
   * state parts. The states are folded from rows read once: a chain that leaves the listed rows is read on once
   * (a `desc` page of the newest checkpoints reads the rows below them in one more call).
   */
  async list(executionId: string, options: ListOptions = {}): Promise<Checkpoint[]> {
    const range = this.listRange(executionId, options, false);
    if (range === undefined) return [];
    return this.chains.consistent(async () => {
      const listed = await this.paged.list(executionId, range);
      const checkpoints = await this.chains.foldListed(listed.rows, listed.linkMerged);
      checkpoints.forEach((checkpoint, i) => checkVersion(checkpoint, listed.versions[i]));
      return checkpoints;
    });
  }

  /** What `list` returns with the same options, without the states: no state part is read, none decoded. */
  async listHeaders(executionId: string, options: ListOptions = {}): Promise<CheckpointHeader[]> {
    const range = this.listRange(executionId, options, true);
    if (range === undefined) return [];
    const listed = await this.paged.list(executionId, range);
    return listed.rows.map((row: StoredRow, i) => {
      const checkpoint = decodeHeader(row);
      checkVersion(checkpoint, listed.versions[i]);
      return checkpointHeader(checkpoint);
    });
  }

  /**
   * Deletes one checkpoint atomically with one script; no error when it does not exist. A checkpoint later rows read
   * through is hidden instead (and merged into a hidden parent by the rules of core's `planRowRemoval`); a row its
   * merges left large is compacted by one more script call.
   */
  async delete(id: string): Promise<void> {
    this.assertOpen();
    assertNonEmptyString("id", id);
    if (!fitsInKey(id)) return;
    const reply = arrayReply(
      DELETE.name,
      await this.scripts.run(DELETE, [this.keys.checkpoint(id), this.keys.executions()], [this.prefix, id]),
    );
    await this.compactor.compact(reply.slice(1).map((_, i) => stringAt(DELETE.name, reply, i + 1)));
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
    const { deleted, compact } = await this.paged.prune(executionId, {
      keep: Math.max(1, options.keepLast ?? 1),
      cutoff: options.olderThan === undefined ? "" : String(options.olderThan.getTime()),
      protect: (options.protect ?? []).filter((id): id is string => typeof id === "string"),
    });
    await this.compactor.compact(compact);
    return deleted;
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

  /**
   * Closes the store's own connection and ends the registry's subscriptions (an injected client stays open). Further
   * calls reject; twice is harmless.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.subscriber.close(), this.connection.close()]);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError(STORE_NAME);
  }

  /** The checks and range of `list` and `listHeaders`; `undefined` when the execution id cannot be stored. */
  private listRange(executionId: string, options: ListOptions, headersOnly: boolean): ListRange | undefined {
    this.assertOpen();
    assertNonEmptyString("executionId", executionId);
    validateListOptions(options);
    if (!fitsInKey(executionId)) return undefined;
    const { afterVersion, beforeVersion, limit, order = "asc" } = options;
    return {
      low: afterVersion === undefined ? "-inf" : `(${afterVersion}`,
      high: beforeVersion === undefined ? "+inf" : `(${beforeVersion}`,
      order,
      limit,
      headersOnly,
    };
  }

  /** Runs `read`, naming checkpoint `id` in any `CheckpointCorruptError` it throws. */
  private async named<T>(id: string, read: () => T | Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof CheckpointCorruptError && error.checkpointId !== id)
        throw new CheckpointCorruptError(id, error.detail, { cause: error });
      throw error;
    }
  }
}
