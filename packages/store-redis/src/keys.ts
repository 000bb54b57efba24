/**
 * Key names of the Redis store. The TypeScript builders here and the Lua builders in `scripts.ts` are generated
 * from the same constants, so a key written by a script and a key read by TypeScript can never disagree.
 *
 * Layout, for the default prefix `langgraph:`:
 * - `langgraph:checkpoint:{id}` — HASH `{ data, executionId, timestamp }` (the seed's data key)
 * - `langgraph:execution:{executionId}:checkpoints` — ZSET member = id, score = version (the seed's index,
 *   ordered instead of the seed's plain set)
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
/** Name, after the prefix, of the index of all executions. */
export const EXECUTIONS_KEY_PART = "executions";

/** Field names of the checkpoint hash. */
export const FIELD = {
  /** The whole checkpoint as JSON (`serializeCheckpoint`), the only field `load` reads. */
  data: "data",
  /** Copy of the execution id, so scripts find the execution index of a checkpoint without parsing JSON. */
  executionId: "executionId",
  /** Copy of the timestamp in epoch milliseconds, for `prune({ olderThan })` and `listExecutions`. */
  timestamp: "timestamp",
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

  /** `{prefix}executions`: the ZSET of execution ids (all scores 0, ordered by bytes). */
  executions(): string {
    return this.prefix + EXECUTIONS_KEY_PART;
  }

  /** A `SCAN MATCH` pattern for every key of this store (glob characters cannot occur in a valid prefix). */
  scanPattern(): string {
    return `${this.prefix}*`;
  }
}
