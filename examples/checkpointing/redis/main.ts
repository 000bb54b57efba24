/**
 * The checkpointing example on Redis: `REDIS_ADDR` (default `localhost:6379`), key prefix `example_checkpoints:`,
 * and a time to live of one hour, so the example's checkpoints clean themselves up.
 */
import { RedisCheckpointStore } from "@lg/store-redis";
import { runScenario } from "../src/scenario.js";

const addr = process.env.REDIS_ADDR ?? "localhost:6379";
const store = await RedisCheckpointStore.connect({ addr, prefix: "example_checkpoints:", ttl: 60 * 60 * 1000 });
console.log(`@lg checkpointing example on Redis at ${addr} (prefix ${store.prefix}, ttl 1h)\n`);
try {
  await runScenario(store, `pipeline-${new Date().toISOString()}`);
} finally {
  await store.close();
}
