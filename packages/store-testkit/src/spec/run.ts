import type { CheckpointStore } from "@lg/core";
import { aliasingSpec } from "./aliasing.js";
import { badInputSpec } from "./bad-input.js";
import { concurrencySpec } from "./concurrency.js";
import { contextOf } from "./context.js";
import { corruptionSpec } from "./corruption.js";
import { deleteSpec } from "./delete.js";
import { executionsSpec } from "./executions.js";
import { idsSpec } from "./ids.js";
import { incrementalSpec } from "./incremental.js";
import { listHeadersSpec } from "./list-headers.js";
import { latestSpec } from "./latest.js";
import { lifecycleSpec } from "./lifecycle.js";
import { listSpec } from "./list.js";
import { listSerializedSpec } from "./list-serialized.js";
import { loadSpec } from "./load.js";
import { pruneSpec } from "./prune.js";
import type { RegistrySpecInput } from "./registry-options.js";
import { registrySpec } from "./registry.js";
import { workerSpec } from "./worker.js";
import { agentRuntimeSpec } from "./agent-runtime.js";
import { runtimeSpec } from "./runtime.js";
import { saveSpec } from "./save.js";
import { saveManySpec } from "./save-many.js";
import { serializedSaveSpec } from "./save-serialized.js";
import { serializationSpec } from "./serialization.js";
import { tasksSpec } from "./tasks.js";

/** Every per-concern spec, in the order `runCheckpointStoreSpec` registers them. */
export const ALL_SPECS = [
  saveSpec,
  saveManySpec,
  serializedSaveSpec,
  loadSpec,
  listSpec,
  listSerializedSpec,
  listHeadersSpec,
  latestSpec,
  deleteSpec,
  idsSpec,
  serializationSpec,
  tasksSpec,
  incrementalSpec,
  badInputSpec,
  aliasingSpec,
  concurrencySpec,
  pruneSpec,
  executionsSpec,
  lifecycleSpec,
  corruptionSpec,
  runtimeSpec,
  agentRuntimeSpec,
  registrySpec,
  workerSpec,
] as const;

/**
 * Registers the whole `CheckpointStore` conformance suite in the host test runner, inside
 * `describe("CheckpointStore spec: <name>")`: save, saveMany (with `batchSave`), saveSerialized (with `serializedSave`), load, list,
 * listSerialized (with `serializedList`), latest, delete/clear,
 * ids, serialization, task results, bad input, aliasing, concurrency, prune, listExecutions, lifecycle, stored data/corruption (with
 * `raw`), the runtime end to end, the agent runtime (fan-out, subgraphs, retries, timeouts, cancellation) and the
 * execution registry (with a `registry`: enqueue, claim, leases, fencing of `save`, subscribe; see `registrySpec`)
 * and workers on it (`createWorker`, `submit`, `waitFor`, `context.step`, takeover, stop; see `workerSpec`). A
 * fresh store is created for every test. Checks that need a capability the store lacks are reported as skipped with
 * the reason in the title; nothing is skipped by store name.
 *
 * ```ts
 * import { runCheckpointStoreSpec } from "@lg/store-testkit";
 * runCheckpointStoreSpec({ name: "memory", createStore: () => new MemoryCheckpointStore(),
 *   runner: { describe, it, beforeAll, afterAll } });
 * ```
 */
export function runCheckpointStoreSpec<S extends CheckpointStore>(options: RegistrySpecInput<S>): void {
  options.runner.describe(`CheckpointStore spec: ${options.name}`, () => {
    contextOf(options).capabilities(); // read once (from one probe store when needed) for every concern
    for (const spec of ALL_SPECS) spec(options);
  });
}
