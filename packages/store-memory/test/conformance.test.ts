import { runCheckpointStoreSpec } from "@lg/store-testkit";
import { MemoryCheckpointStore } from "../src/index.js";

runCheckpointStoreSpec({
  name: "memory",
  createStore: () => new MemoryCheckpointStore(),
  runner: { describe, it, beforeAll, afterAll },
});
