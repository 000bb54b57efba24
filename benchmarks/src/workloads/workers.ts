/**
 * Workload "workers": worker processes (`createWorker`) sharing one store. Recovery after a SIGKILL on every durable
 * backend with a registry; throughput against plain `invoke`, and the share of lease renewals among the store's
 * statements, on PostgreSQL.
 *
 * @packageDocumentation
 */
import type { BackendEnv, BackendName } from "../backends.js";
import { removeSystemData } from "../cleanup.js";
import type { WorkersSettings } from "../settings.js";
import { measureRecovery, type RecoveryResult } from "./workers-recovery.js";
import { workersLocation } from "./workers-stores.js";
import { measureThroughput, type ThroughputResult } from "./workers-throughput.js";

/** A part of the workload that could not run on a backend, and why. */
export interface WorkersUnavailable {
  /** Backend. */
  backend: BackendName;
  /** `recovery` or `throughput`. */
  part: "recovery" | "throughput";
  /** Why. */
  reason: string;
}

/** What the workers workload measured, all backends together. */
export interface WorkersOutput {
  /** Recovery figures, one per backend. */
  recovery: RecoveryResult[];
  /** Throughput and heartbeat figures (PostgreSQL), when measured. */
  throughput: ThroughputResult[];
  /** What could not run. */
  unavailable: WorkersUnavailable[];
}

/** An empty output, to which {@link workersWorkload} adds each backend's figures. */
export function emptyWorkersOutput(): WorkersOutput {
  return { recovery: [], throughput: [], unavailable: [] };
}

/**
 * Runs the workers workload on `backend` (nothing on memory: its registry serves one process) and adds its figures to
 * `output`. The backend's workers file, schema or keys are removed afterwards.
 */
export async function workersWorkload(
  backend: BackendName,
  env: BackendEnv,
  settings: WorkersSettings,
  output: WorkersOutput,
  log: (message: string) => void,
): Promise<void> {
  if (backend === "memory") return;
  const where = workersLocation(backend, env);
  try {
    if (!settings.recoveryBackends.includes(backend)) {
      const only = settings.recoveryBackends.join(", ");
      output.unavailable.push({ backend, part: "recovery", reason: `this run measures recovery on ${only} only` });
    } else {
      const recovery = await measureRecovery(where, settings, env.runTag, log);
      if (typeof recovery === "string") output.unavailable.push({ backend, part: "recovery", reason: recovery });
      else output.recovery.push(recovery);
    }
    if (backend !== "postgres") return;
    const throughput = await measureThroughput(where, settings, env.runTag, log);
    if (typeof throughput === "string") output.unavailable.push({ backend, part: "throughput", reason: throughput });
    else output.throughput.push(throughput);
  } finally {
    await removeSystemData(backend, env, "workers");
  }
}
