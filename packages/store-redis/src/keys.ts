/**
 * Key names of the Redis store. The TypeScript builders here and the Lua builders in `scripts.ts` are generated
 * from the same constants, so a key written by a script and a key read by TypeScript can never disagree.
 *
 * Layout, for the default prefix `langgraph:`:
 * - `langgraph:checkpoint:{id}` — HASH `{ data, executionId, timestamp, kind, state, … }` (the seed's data key;
 *   see {@link FIELD} for the fields of incremental rows)
 * - `langgraph:execution:{executionId}:checkpoints` — ZSET member = id, score = version (the seed's index,
 *   ordered instead of the seed's plain set); only the checkpoints callers see
 * - `langgraph:execution:{executionId}:hidden` — ZSET member = id, score = version: rows kept only because later
 *   rows read through them (deleted checkpoints)
 * - `langgraph:executions` — ZSET member = executionId, score 0 (lexicographic paging for `listExecutions`)
 *
 * The execution registry (see {@link RECORD_FIELD}):
 * - `langgraph:run:{executionId}` — HASH: the execution's registry record
 * - `langgraph:runs` — ZSET member = executionId, score 0: every record (lexicographic paging for `registry.list`)
 * - `langgraph:runs:status:{status}` — ZSET member = executionId, score 0: the records of one status (paging with a
 *   status filter, `counts` by `ZCARD`)
 * - `langgraph:runs:claimable:{bytes}:{graphName}{graphVersion}` — ZSET member = executionId, score = epoch ms from
 *   which it can be claimed (queued: when it was queued; running: when its lease expires), one per graph version;
 *   `{bytes}` is the UTF-8 length of the graph name, so no two name/version pairs share a key
 * - channel `langgraph:runs:changes` — pub/sub: `{"executionId", "status"}` JSON of every status change
 *
 * The kinds differ right after the prefix (`checkpoint:`, `execution:`, `executions` with nothing after it, `run:`,
 * `runs` with nothing after it or `runs:` and a fixed word), so no id or execution id can make a key of one kind
 * equal a key of another kind.
 *
 * @packageDocumentation
 */

/** Text between the prefix and a checkpoint id in a data key. */
export const CHECKPOINT_KEY_PART = "checkpoint:";
/** Text between the prefix and an execution id in an execution index key. */
export const EXECUTION_KEY_PART = "execution:";
/** Text after the execution id in an execution index key. */
export const EXECUTION_INDEX_SUFFIX = ":checkpoints";
/** Text after the execution id in the key of an execution's hidden rows. */
export const HIDDEN_INDEX_SUFFIX = ":hidden";
/** Name, after the prefix, of the index of all executions. */
export const EXECUTIONS_KEY_PART = "executions";

/** Text between the prefix and an execution id in a registry record key. */
export const RUN_KEY_PART = "run:";
/** Name, after the prefix, of the index of all registry records. */
export const RUNS_KEY_PART = "runs";
/** Text between the prefix and a status in the key of the index of one status's records. */
export const RUNS_STATUS_KEY_PART = "runs:status:";
/** Text between the prefix and the graph name's byte length in the key of a graph version's claimable records. */
export const RUNS_CLAIMABLE_KEY_PART = "runs:claimable:";
/** Name, after the prefix, of the pub/sub channel announcing the registry's status changes. */
export const RUNS_CHANNEL_PART = "runs:changes";

/**
 * Field names of the registry record hash. Times are epoch milliseconds by the Redis server's clock (`TIME`); the
 * token is the current lease's fencing token, which only `claim` hands out.
 */
export const RECORD_FIELD = {
  /** The `ExecutionStatus`. */
  status: "status",
  /** The graph's name, kept from the first submission. */
  graphName: "graphName",
  /** The graph's version, kept from the first submission. */
  graphVersion: "graphVersion",
  /** The worker holding the lease, while running. */
  owner: "owner",
  /** The lease's fencing token, while running: a fenced save or a release naming another token is refused. */
  token: "token",
  /** When the lease ends (epoch ms), while running. */
  leaseExpiresAt: "leaseExpiresAt",
  /** How many times it was claimed. */
  attempts: "attempts",
  /** The newest submission's input, the JSON text as given. */
  input: "input",
  /** The newest submission's key. */
  inputKey: "inputKey",
  /** The error of a failed run. */
  error: "error",
  /** When it was first submitted (epoch ms). */
  createdAt: "createdAt",
  /** When it last changed (epoch ms). */
  updatedAt: "updatedAt",
} as const;

/**
 * Field names of the checkpoint hash. A hash without `kind` was written before incremental rows existed: its `data`
 * holds the whole checkpoint, state included, and it reads as a full row.
 */
export const FIELD = {
  /**
   * The checkpoint as JSON (`serializeCheckpoint`) without its state (`"state": null`); the state is in
   * {@link FIELD.state} (and the rows below it). Before incremental rows: the whole checkpoint, state included.
   */
  data: "data",
  /** Copy of the execution id, so scripts find the execution index of a checkpoint without parsing JSON. */
  executionId: "executionId",
  /** Copy of the timestamp in epoch milliseconds, for `prune({ olderThan })` and `listExecutions`. */
  timestamp: "timestamp",
  /** `full` (the row holds the whole state) or `delta` (only what its step changed); absent: a full row of the old layout. */
  kind: "kind",
  /**
   * A full row: the whole state, encoded (`encodeValue`) as JSON. A delta row: the channels its step wrote whole, as
   * JSON `[[channel, encoded value], …]` pairs (pairs keep a channel named `__proto__` an ordinary key).
   */
  state: "state",
  /** A delta row: the items its step appended, JSON `[[channel, [encoded item, …]], …]`, oldest first. */
  items: "items",
  /** A delta row: how many items it appended per channel, JSON `[[channel, count], …]`, checked on every read. */
  counts: "counts",
  /** A delta row: the id of the row it continues (starts as `parentId`; a merge re-points it). */
  link: "link",
  /** `"1"` on a hidden row: a deleted checkpoint kept because later rows read through it. */
  hidden: "hidden",
  /** JSON array of the ids of the delta rows whose `link` names this row. */
  kids: "kids",
  /**
   * How many hidden rows were merged into this one; their `state`, `items` and `counts` follow as `state.1`,
   * `items.1`, `counts.1`, `state.2`, … in the order they fold.
   */
  merged: "merged",
  /**
   * `"1"` on a row other rows were merged into: it no longer folds to its own checkpoint's state, so a save naming it
   * as parent is written whole, and saving its checkpoint again is a conflict (as for any other content).
   */
  absorbed: "absorbed",
  /** Bytes of the merged rows' parts: once they outweigh the row's own, the store compacts the row (see README). */
  mergedBytes: "mergedBytes",
} as const;

/** The values of {@link FIELD.kind}. */
export const ROW_KIND = {
  /** The row holds the whole state. */
  full: "full",
  /** The row holds only what its step changed, read through the rows its `link` leads to. */
  delta: "delta",
} as const;

/**
 * The hash tag of a prefix (the text between its first `{` and the next `}`), or `undefined` when the prefix has
 * none. With a tag, Redis Cluster hashes every key of the store to the same slot whatever the ids contain,
 * because the first `{` … `}` of each key lies inside the prefix.
 */
export function hashTagOf(prefix: string): string | undefined {
  const open = prefix.indexOf("{");
  if (open < 0) return undefined;
  const close = prefix.indexOf("}", open + 1);
  if (close <= open + 1) return undefined;
  return prefix.slice(open + 1, close);
}

/** Builds the key names of one store (one prefix). */
export class RedisKeys {
  /** Creates the builders for `prefix` (already validated). */
  constructor(readonly prefix: string) {}

  /** `{prefix}checkpoint:{id}`: the hash holding one checkpoint. */
  checkpoint(id: string): string {
    return this.prefix + CHECKPOINT_KEY_PART + id;
  }

  /** `{prefix}execution:{executionId}:checkpoints`: the execution's ZSET of ids scored by version. */
  executionIndex(executionId: string): string {
    return this.prefix + EXECUTION_KEY_PART + executionId + EXECUTION_INDEX_SUFFIX;
  }

  /** `{prefix}execution:{executionId}:hidden`: the execution's ZSET of hidden rows, scored by version. */
  hiddenIndex(executionId: string): string {
    return this.prefix + EXECUTION_KEY_PART + executionId + HIDDEN_INDEX_SUFFIX;
  }

  /** `{prefix}executions`: the ZSET of execution ids (all scores 0, ordered by bytes). */
  executions(): string {
    return this.prefix + EXECUTIONS_KEY_PART;
  }

  /** `{prefix}run:{executionId}`: the hash holding the execution's registry record. */
  run(executionId: string): string {
    return this.prefix + RUN_KEY_PART + executionId;
  }

  /** `{prefix}runs`: the ZSET of every registry record's execution id (all scores 0, ordered by bytes). */
  runs(): string {
    return this.prefix + RUNS_KEY_PART;
  }

  /** `{prefix}runs:status:{status}`: the ZSET of the execution ids of one status (all scores 0). */
  runsWithStatus(status: string): string {
    return this.prefix + RUNS_STATUS_KEY_PART + status;
  }

  /**
   * `{prefix}runs:claimable:{bytes}:{graphName}{graphVersion}`: the ZSET of a graph version's claimable executions,
   * scored by the epoch ms from which each can be claimed.
   */
  claimable(graphName: string, graphVersion: string): string {
    return `${this.prefix}${RUNS_CLAIMABLE_KEY_PART}${Buffer.byteLength(graphName, "utf8")}:${graphName}${graphVersion}`;
  }

  /** `{prefix}runs:changes`: the pub/sub channel of the registry's status changes. */
  changesChannel(): string {
    return this.prefix + RUNS_CHANNEL_PART;
  }

  /** A `SCAN MATCH` pattern for every key of this store (glob characters cannot occur in a valid prefix). */
  scanPattern(): string {
    return `${this.prefix}*`;
  }
}
