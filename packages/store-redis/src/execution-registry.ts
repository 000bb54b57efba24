import {
  ExecutionBusyError,
  InvalidArgumentError,
  LeaseLostError,
  type ClaimRequest,
  type EnqueueRequest,
  type EnqueueResult,
  type ExecutionRecord,
  type ExecutionRecordPage,
  type ExecutionRegistry,
  type ExecutionStatus,
  type Lease,
  type LeaseFence,
  type ListRecordsOptions,
  type ReleaseOutcome,
  type RenewResult,
  type StatusChange,
} from "@lg/core";
import {
  EXECUTION_STATUSES,
  compareCodePoints,
  isStorableId,
  mintLeaseToken,
  validateClaimRequest,
  validateEnqueueRequest,
  validateLeaseFence,
  validateLeaseMs,
  validateListRecordsOptions,
  validateReleaseOutcome,
  zeroCounts,
} from "@lg/core/store";
import type { RedisConnection } from "./connection.js";
import type { RedisKeys } from "./keys.js";
import { recordOf, requiredRecord } from "./registry-records.js";
import {
  CANCEL,
  CLAIM,
  CLAIM_BATCH,
  COUNTS,
  ENQUEUE,
  RECORDS_PAGE,
  RECORDS_PAGE_SIZE,
  RELEASE,
  RENEW,
  RENEW_BATCH,
} from "./registry-scripts.js";
import type { RegistrySubscriber } from "./registry-subscriber.js";
import { arrayReply, integerReply, stringAt } from "./replies.js";
import type { ScriptRunner } from "./script-runner.js";

/** Records per `list` page when no limit is given (as `listExecutions`). */
const DEFAULT_RECORDS_PAGE = 100;

/** A lone UTF-16 surrogate has no UTF-8 form: such a graph name or version could not be stored and read back. */
function assertWellFormed(name: string, value: string): void {
  if (!isStorableId(value)) throw new InvalidArgumentError(`${name} contains a lone UTF-16 surrogate`);
}

/**
 * The execution registry of a {@link RedisCheckpointStore} (its `registry`), on the store's connection and under
 * its prefix: each decision is one Lua script (see `registry-scripts.ts`), timed by the server's clock, and every
 * status change is announced on the store's channel for {@link RedisExecutionRegistry.subscribe}. See the README,
 * "Execution registry", for the keys.
 */
export class RedisExecutionRegistry implements ExecutionRegistry {
  /** Creates the registry of one store; `assertOpen` throws once the store is closed. */
  constructor(
    private readonly connection: RedisConnection,
    private readonly scripts: ScriptRunner,
    private readonly keys: RedisKeys,
    private readonly subscriber: RegistrySubscriber,
    private readonly assertOpen: () => void,
  ) {}

  /** See `ExecutionRegistry.enqueue`: one script decides created, existing, requeued or busy. */
  async enqueue(request: EnqueueRequest): Promise<EnqueueResult> {
    this.assertOpen();
    validateEnqueueRequest(request);
    assertWellFormed("graphName", request.graphName);
    assertWellFormed("graphVersion", request.graphVersion);
    const { executionId } = request;
    const args = [
      this.keys.prefix,
      executionId,
      request.graphName,
      request.graphVersion,
      request.input,
      request.inputKey,
    ];
    const reply = arrayReply(ENQUEUE.name, await this.scripts.run(ENQUEUE, [this.keys.run(executionId)], args));
    const outcome = stringAt(ENQUEUE.name, reply, 0);
    if (outcome === "busy") throw new ExecutionBusyError(executionId, stringAt(ENQUEUE.name, reply, 1));
    if (outcome !== "created" && outcome !== "requeued" && outcome !== "existing")
      throw new Error(`unexpected outcome of the enqueue script: ${outcome}`);
    return { outcome, record: requiredRecord(ENQUEUE.name, executionId, reply[1]) };
  }

  /**
   * See `ExecutionRegistry.claim`: one script per {@link CLAIM_BATCH} executions takes the oldest claimable ones of
   * the served graph versions; scripts run one at a time, so each execution goes to exactly one claimer.
   */
  async claim(request: ClaimRequest): Promise<Lease[]> {
    this.assertOpen();
    validateClaimRequest(request);
    const graphs = new Map<string, [string, string]>();
    for (const { name, version } of request.graphs) {
      // a name or version that cannot be stored cannot have been enqueued either: nothing of it to claim
      if (isStorableId(name) && isStorableId(version)) graphs.set(JSON.stringify([name, version]), [name, version]);
    }
    const leases: Lease[] = [];
    if (graphs.size === 0) return leases;
    const served = [...graphs.values()].flat();
    while (leases.length < request.limit) {
      const batch = Math.min(CLAIM_BATCH, request.limit - leases.length);
      const tokens = Array.from({ length: batch }, () => mintLeaseToken());
      const args = [
        this.keys.prefix,
        request.owner,
        String(batch),
        String(request.leaseMs),
        String(graphs.size),
        ...served,
        ...tokens,
      ];
      const reply = arrayReply(CLAIM.name, await this.scripts.run(CLAIM, [this.keys.runs()], args));
      for (let i = 0; i + 2 < reply.length; i += 3) {
        const executionId = stringAt(CLAIM.name, reply, i);
        const token = stringAt(CLAIM.name, reply, i + 1);
        leases.push({ executionId, token, record: requiredRecord(CLAIM.name, executionId, reply[i + 2]) });
      }
      if (reply.length / 3 < batch) break;
    }
    return leases;
  }

  /** See `ExecutionRegistry.renew`: one script call (per {@link RENEW_BATCH} fences) checks and extends them all. */
  async renew(leases: readonly LeaseFence[], leaseMs: number): Promise<RenewResult> {
    this.assertOpen();
    if (!Array.isArray(leases)) throw new InvalidArgumentError("leases must be an array of { executionId, token }");
    for (const lease of leases) validateLeaseFence(lease);
    validateLeaseMs(leaseMs);
    const lost: string[] = [];
    let expiresAt = 0;
    let start = 0;
    do {
      const batch = leases.slice(start, start + RENEW_BATCH);
      start += RENEW_BATCH;
      const args = [this.keys.prefix, String(leaseMs), ...batch.flatMap((lease) => [lease.executionId, lease.token])];
      const reply = arrayReply(RENEW.name, await this.scripts.run(RENEW, [this.keys.runs()], args));
      expiresAt = Number(stringAt(RENEW.name, reply, 0));
      for (let i = 1; i < reply.length; i++) lost.push(stringAt(RENEW.name, reply, i));
    } while (start < leases.length);
    return { lost, expiresAt: new Date(expiresAt) };
  }

  /** See `ExecutionRegistry.release`: one script, which changes nothing unless the record holds the token. */
  async release(lease: LeaseFence, outcome: ReleaseOutcome): Promise<ExecutionRecord> {
    this.assertOpen();
    validateLeaseFence(lease);
    validateReleaseOutcome(outcome);
    const { executionId } = lease;
    const args = [this.keys.prefix, executionId, lease.token, outcome.status, outcome.error ?? ""];
    const reply = await this.scripts.run(RELEASE, [this.keys.run(executionId)], args);
    if (reply === null || reply === undefined) throw new LeaseLostError(executionId);
    return requiredRecord(RELEASE.name, executionId, reply);
  }

  /** See `ExecutionRegistry.cancel`: one script. */
  async cancel(executionId: string): Promise<ExecutionRecord | undefined> {
    this.assertOpen();
    if (!isStorableId(executionId)) return undefined;
    const reply = await this.scripts.run(CANCEL, [this.keys.run(executionId)], [this.keys.prefix, executionId]);
    if (reply === null || reply === undefined) return undefined;
    return requiredRecord(CANCEL.name, executionId, reply);
  }

  /** See `ExecutionRegistry.get`: one `HGETALL`. */
  async get(executionId: string): Promise<ExecutionRecord | undefined> {
    this.assertOpen();
    if (!isStorableId(executionId)) return undefined;
    const key = this.keys.run(executionId);
    return recordOf("get", executionId, await this.connection.send(["HGETALL", key], key));
  }

  /**
   * See `ExecutionRegistry.list`: `ZRANGEBYLEX` pages of the records index (or of each asked status's index, merged
   * in code-point order, the byte order Redis sorts by), with the records read in the same script call.
   */
  async list(options?: ListRecordsOptions): Promise<ExecutionRecordPage> {
    this.assertOpen();
    const statuses = validateListRecordsOptions(options);
    if (statuses !== undefined && statuses.length === 0) return { records: [] }; // of no status: none
    const limit = options?.limit ?? DEFAULT_RECORDS_PAGE;
    const records: ExecutionRecord[] = [];
    let low = options?.cursor === undefined ? "-" : `(${options.cursor}`;
    for (;;) {
      const wanted = Math.min(RECORDS_PAGE_SIZE, limit - records.length + 1);
      const args = [this.keys.prefix, low, String(wanted), ...new Set(statuses ?? [])];
      const groups = arrayReply(RECORDS_PAGE.name, await this.scripts.run(RECORDS_PAGE, [this.keys.runs()], args));
      const { found, bound } = mergeGroups(groups, wanted);
      for (const record of found) {
        if (records.length === limit) return { records, nextCursor: records[records.length - 1]?.executionId };
        records.push(record);
      }
      if (bound === undefined) return { records };
      low = `(${bound}`;
    }
  }

  /** See `ExecutionRegistry.counts`: `ZCARD` of each status's index, in one script call. */
  async counts(): Promise<Record<ExecutionStatus, number>> {
    this.assertOpen();
    const reply = arrayReply(
      COUNTS.name,
      await this.scripts.run(COUNTS, [this.keys.runs()], [this.keys.prefix, ...EXECUTION_STATUSES]),
    );
    const counts = zeroCounts();
    EXECUTION_STATUSES.forEach((status, i) => {
      counts[status] = integerReply(COUNTS.name, reply[i]);
    });
    return counts;
  }

  /**
   * See `ExecutionRegistry.subscribe`: pub/sub on the store's channel (`{prefix}runs:changes`), on a connection of
   * its own (see the README, "Execution registry"). The store's `close()` ends every subscription.
   */
  async subscribe(listener: (change: StatusChange) => void): Promise<() => Promise<void>> {
    this.assertOpen();
    if (typeof listener !== "function") throw new InvalidArgumentError("listener must be a function");
    return this.subscriber.add(listener);
  }
}

/**
 * Merges the groups of one records script call (one per status set, each `{id, fields, …}` in byte order, at most
 * `wanted` ids): the records up to `bound`, the smallest last id of a full group (past it a full group may hold
 * more), all of them when no group was full (`bound` undefined: nothing follows).
 */
function mergeGroups(groups: readonly unknown[], wanted: number): { found: ExecutionRecord[]; bound?: string } {
  const found: ExecutionRecord[] = [];
  let bound: string | undefined;
  for (const group of groups) {
    const items = arrayReply(RECORDS_PAGE.name, group);
    let last: string | undefined;
    for (let i = 0; i + 1 < items.length; i += 2) {
      last = stringAt(RECORDS_PAGE.name, items, i);
      const record = recordOf(RECORDS_PAGE.name, last, items[i + 1]);
      if (record !== undefined) found.push(record);
    }
    if (items.length / 2 >= wanted && last !== undefined && (bound === undefined || compareCodePoints(last, bound) < 0))
      bound = last;
  }
  found.sort((a, b) => compareCodePoints(a.executionId, b.executionId));
  const kept = bound === undefined ? found : found.filter((r) => compareCodePoints(r.executionId, bound) <= 0);
  return bound === undefined ? { found: kept } : { found: kept, bound };
}
