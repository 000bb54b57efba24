/**
 * The checkpointing example on PostgreSQL: `POSTGRES_CONN_STRING`, or the local default
 * `postgres://postgres@127.0.0.1:5432/test`. The store creates its table (`example_checkpoints`) on connect.
 */
import { PostgresCheckpointStore } from "@lg/store-postgres";
import { runScenario } from "../src/scenario.js";

const connString = process.env.POSTGRES_CONN_STRING ?? "postgres://postgres@127.0.0.1:5432/test";
const store = await PostgresCheckpointStore.connect({ connString, tableName: "example_checkpoints" });
console.log(`@lg checkpointing example on PostgreSQL (table ${store.qualifiedTableName})\n`);
try {
  await runScenario(store, `pipeline-${new Date().toISOString()}`);
  const stats = await store.stats();
  console.log(`\n${stats.executions} execution(s), ${stats.checkpoints} checkpoint(s) in ${store.qualifiedTableName}`);
} finally {
  await store.close();
}
