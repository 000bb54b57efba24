/**
 * `@lg/store-redis`: a `CheckpointStore` on Redis with atomic Lua scripts, sorted-set indexes, optional expiry and
 * Redis Cluster support through a hash-tagged prefix.
 *
 * @packageDocumentation
 */
export { RedisCheckpointStore } from "./redis-store.js";
export { RedisExecutionRegistry } from "./execution-registry.js";
export {
  DEFAULT_ADDR,
  DEFAULT_CLIENT_NAME,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_RECONNECT_ATTEMPTS,
  DEFAULT_PREFIX,
  validatePrefix,
} from "./options.js";
export type {
  RedisOptions,
  RedisClientLike,
  RedisClusterLike,
  RedisSubscriberLike,
  PubSubMessageListener,
} from "./options.js";
export type { RedisStoreStats } from "./paged-calls.js";
export { RedisKeys, hashTagOf, FIELD, RECORD_FIELD, ROW_KIND } from "./keys.js";
