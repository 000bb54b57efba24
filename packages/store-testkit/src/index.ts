/**
 * `@lg/store-testkit`: the conformance spec every `CheckpointStore` must pass, backend helpers for store tests,
 * fault injection for reliability tests of the runtime, and a store benchmark.
 *
 * @packageDocumentation
 */
export type { TestRunner, TestRegistrar, HookRegistrar, TestBody, SuiteBody } from "./runner.js";
export type {
  SpecOptions,
  RawStoreAccess,
  StoredCheckpointRef,
  TtlSpecOptions,
  UnavailableSpecOptions,
} from "./spec/options.js";
export type { RegistrySpecOptions, RegistrySpecInput } from "./spec/registry-options.js";
export { runCheckpointStoreSpec, ALL_SPECS } from "./spec/run.js";
export { saveSpec } from "./spec/save.js";
export { saveManySpec } from "./spec/save-many.js";
export { serializedSaveSpec } from "./spec/save-serialized.js";
export { loadSpec } from "./spec/load.js";
export { listSpec } from "./spec/list.js";
export { listSerializedSpec } from "./spec/list-serialized.js";
export { latestSpec } from "./spec/latest.js";
export { deleteSpec } from "./spec/delete.js";
export { idsSpec } from "./spec/ids.js";
export { serializationSpec } from "./spec/serialization.js";
export { tasksSpec } from "./spec/tasks.js";
export { incrementalSpec } from "./spec/incremental.js";
export { listHeadersSpec } from "./spec/list-headers.js";
export { badInputSpec } from "./spec/bad-input.js";
export { aliasingSpec } from "./spec/aliasing.js";
export { concurrencySpec } from "./spec/concurrency.js";
export { pruneSpec } from "./spec/prune.js";
export { executionsSpec } from "./spec/executions.js";
export { lifecycleSpec } from "./spec/lifecycle.js";
export { corruptionSpec } from "./spec/corruption.js";
export { runtimeSpec } from "./spec/runtime.js";
export { agentRuntimeSpec } from "./spec/agent-runtime.js";
export { registrySpec } from "./spec/registry.js";
export { workerSpec } from "./spec/worker.js";
export {
  uniqueId,
  copyCheckpoint,
  createTestCheckpoint,
  createCheckpointChain,
  filler,
  FIXTURE_EPOCH,
} from "./fixtures.js";
export { benchmarkStore, formatBenchmark } from "./bench.js";
export type { BenchmarkOptions, BenchmarkFigure, BenchmarkResult } from "./bench.js";
export { faultyStore } from "./faulty-store.js";
export type { FaultPlan, MethodFaults, FaultyStore, FaultyCall, FaultyMethod } from "./faulty-store.js";
export { postgresForTests, POSTGRES_URL_ENV } from "./backends/postgres.js";
export type { PostgresTestDatabase } from "./backends/postgres.js";
export { redisForTests, REDIS_URL_ENV } from "./backends/redis.js";
export type { RedisTestDatabase } from "./backends/redis.js";
export type { BackendResolveOptions, BackendSource } from "./backends/resolve.js";
export { sqlForTests, SQL_DIALECTS } from "./backends/sql.js";
export type { SqlForTestsOptions, SqlNamespaceDialect, SqlTestNamespace } from "./backends/sql.js";
