import { join } from "node:path";
import { withMetrics, type MeteredStore, type StoreCall } from "@lg/core";
import { RedisCheckpointStore } from "@lg/store-redis";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { checkStoreHealth, type Print } from "./health.js";
import { buildPipeline } from "./pipeline.js";
import { metricsTable } from "./report.js";
import { withOneSlowSave } from "./slow-store.js";

/** Settings of {@link runMonitoring}. */
export interface MonitoringOptions {
  /** Directory for the SQLite file. */
  dir: string;
  /** Where every line goes. */
  print: Print;
  /** Executions to run through the pipeline (default 5). */
  executions?: number;
  /** Saves that take at least this long are alerted (default 50 ms). */
  slowCallMs?: number;
  /** A Redis URL nothing listens on, for the failed-ping alert (default `redis://127.0.0.1:1`: port 1 refuses). */
  unreachableRedisUrl?: string;
}

/** What the monitored run measured. */
export interface MonitoringResult {
  /** The SQLite store's counters after the runs. */
  sqlite: ReturnType<MeteredStore["metrics"]>;
  /** The unreachable Redis store's counters after its failed health check. */
  redis: ReturnType<MeteredStore["metrics"]>;
}

/**
 * The seed's monitoring, made real: a SQLite store wrapped in `withMetrics` runs the pipeline (one save is made
 * slow on purpose and raises the slow-save alert), prints its latency table and health; a Redis store pointed at a
 * port nothing listens on fails its ping and raises the connection alert.
 */
export async function runMonitoring(options: MonitoringOptions): Promise<MonitoringResult> {
  const { print } = options;
  const slowCallMs = options.slowCallMs ?? 50;
  const alertSlow = (call: StoreCall) =>
    print(
      `ALERT slow ${call.operation}: ${call.durationMs.toFixed(1)} ms (limit ${slowCallMs} ms) for execution ${call.executionId ?? "-"}`,
    );

  const sqlite = new SqliteCheckpointStore({ path: join(options.dir, "checkpoints.db") });
  // The third save stalls for three times the limit: the alert must fire whatever the machine's load.
  const store = withMetrics(withOneSlowSave(sqlite, 3, slowCallMs * 3), { slowCallMs, onSlowCall: alertSlow });
  try {
    const app = buildPipeline({ store });
    for (let i = 1; i <= (options.executions ?? 5); i++) await app.invoke({}, { executionId: `order-${i}` });
    print("");
    print("SQLite store, per operation:");
    for (const line of metricsTable(store.metrics())) print(line);
    print("");
    await checkStoreHealth("sqlite", store, print, 64 * 1024 * 1024);
  } finally {
    await store.close();
  }

  const onError = ({ operation, code }: { operation: string; code: string }) =>
    print(`metrics: ${operation} failed with ${code}`);
  const unreachable = withMetrics(
    new RedisCheckpointStore({ url: options.unreachableRedisUrl ?? "redis://127.0.0.1:1", connectTimeout: 2000 }),
    { onError },
  );
  try {
    await checkStoreHealth("redis", unreachable, print);
  } finally {
    await unreachable.close();
  }
  return { sqlite: store.metrics(), redis: unreachable.metrics() };
}
