import { MemoryCheckpointStore } from "@lg/store-memory";
import { runScenario } from "./scenario.js";

const store = new MemoryCheckpointStore();
console.log("@lg checkpointing example on the memory store\n");
await runScenario(store, "pipeline-1");
await store.close();
