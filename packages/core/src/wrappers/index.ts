export { withEncryption, type EncryptionOptions } from "./encrypted-store.js";
export { withAccessControl, type AccessCheck, type AccessOperation } from "./access-control.js";
export {
  withMetrics,
  type FailedStoreCall,
  type MeteredStore,
  type MetricsOptions,
  type OperationMetrics,
  type StoreCall,
  type StoreMetrics,
  type StoreOperation,
} from "./metrics.js";
export { DEFAULT_LATENCY_BUCKETS_MS, type LatencyBucket, type LatencySummary } from "./histogram.js";
