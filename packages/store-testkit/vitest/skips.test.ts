import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lifecycleSpec, listSpec } from "../src/index.js";
import { MapStore } from "../test/fixtures/map-store.js";

// Per-concern specs under vitest, on a store without persistent/multiProcess/ttl: vitest's it.skip reports
// those checks as skipped, with the reason in the title.
const runner = { describe, it, beforeAll, afterAll };
listSpec({ name: "plain", createStore: () => new MapStore(), runner });
lifecycleSpec({ name: "plain", createStore: () => new MapStore(), runner });

describe("vitest runner shape", () => {
  it("has the skip variant the spec uses for missing capabilities", () => {
    expect(typeof runner.it.skip).toBe("function");
  });
});
