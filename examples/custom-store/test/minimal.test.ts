import { runCheckpointStoreSpec } from "@lg/store-testkit";
import { MinimalCheckpointStore } from "../src/minimal-store.js";

// The skeleton of the core README's "Writing a store" passes the whole spec; its raw hook reads the row's text.
runCheckpointStoreSpec({
  name: "minimal skeleton",
  createStore: () => new MinimalCheckpointStore(),
  openSameLocation: (store) => new MinimalCheckpointStore(store.rows),
  raw: (store) => ({
    read: async ({ id }) => store.rows.get(id)?.data,
    corrupt: async ({ id }) => {
      const row = store.rows.get(id);
      if (row !== undefined) row.data = "{not json";
    },
  }),
  runner: { describe, it, beforeAll, afterAll },
});
