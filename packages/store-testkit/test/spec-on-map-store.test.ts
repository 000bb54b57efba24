import { runCheckpointStoreSpec } from "../src/index.js";
import { MapStore, mapStoreRaw } from "./fixtures/map-store.js";

// The reference store keeps the contract and has every capability, so the whole spec runs and must pass on it.
runCheckpointStoreSpec({
  name: "reference map store",
  createStore: () => new MapStore({ rows: new Map() }),
  openSameLocation: (store) => new MapStore({ rows: store.rows }),
  raw: mapStoreRaw,
  capabilities: { ttl: true },
  ttl: { createStore: () => new MapStore({ ttlMs: 150 }), expiresWithinMs: 150 },
  runner: { describe, it, beforeAll, afterAll },
});
