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
 * The three kinds differ right after the prefix (`checkpoint:`, `execution:`, `executions` with nothing after it),
 * so no id or execution id can make a key of one kind equal a key of another kind.
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

  /** A `SCAN MATCH` pattern for every key of this store (glob characters cannot occur in a valid prefix). */
  scanPattern(): string {
    return `${this.prefix}*`;
  }
}
