import { benchmarkStore, formatBenchmark } from "../src/index.js";
import { MapStore } from "./fixtures/map-store.js";

describe("benchmarkStore", () => {
  it("measures save, load, latest and list-20 and leaves the store as it found it", async () => {
    const store = new MapStore();
    const result = await benchmarkStore(store, { iterations: 40, stateBytes: 2048, warmup: 5 });
    for (const figure of [result.save, result.load, result.latest, result.list20]) {
      expect(figure.iterations).toBe(40);
      expect(figure.opsPerSec).toBeGreaterThan(0);
      expect(figure.p50Us).toBeGreaterThan(0);
      expect(figure.p95Us).toBeGreaterThanOrEqual(figure.p50Us);
    }
    expect(await store.stats()).toMatchObject({ checkpoints: 0, executions: 0 });
  });

  it("writes states of about stateBytes", async () => {
    const store = new MapStore();
    let largest = 0;
    const original = store.save.bind(store);
    store.save = async (cp) => {
      largest = Math.max(largest, JSON.stringify(cp.state).length);
      return original(cp);
    };
    await benchmarkStore(store, { iterations: 5, stateBytes: 4096, warmup: 0 });
    expect(largest).toBeGreaterThan(4000);
    expect(largest).toBeLessThan(4200);
  });

  it("formats one aligned line per operation", async () => {
    const result = await benchmarkStore(new MapStore(), { iterations: 5, warmup: 0 });
    const lines = formatBenchmark("map", result).split("\n");
    expect(lines).toHaveLength(4);
    expect(lines.map((l) => l.split(/\s+/)[1])).toEqual(["save", "load", "latest", "list20"]);
    for (const line of lines) expect(line).toMatch(/^map\s+\S+\s+\d+ ops\/s\s+p50\s+[\d.]+ µs\s+p95\s+[\d.]+ µs$/);
  });
});
