import { afterAll, beforeAll, describe, it } from "vitest";
import { runCheckpointStoreSpec } from "../src/index.js";
import { MapStore, mapStoreRaw } from "../test/fixtures/map-store.js";

// The same spec, registered through vitest's own functions: the testkit depends on neither runner.
runCheckpointStoreSpec({
  name: "reference map store under vitest",
  createStore: () => new MapStore({ rows: new Map() }),
  openSameLocation: (store) => new MapStore({ rows: store.rows }),
  raw: mapStoreRaw,
  capabilities: { ttl: true },
  ttl: { createStore: () => new MapStore({ ttlMs: 150 }), expiresWithinMs: 150 },
  runner: { describe, it, beforeAll, afterAll },
});
