import {
  CheckpointConflictError,
  InvalidArgumentError,
  withMetrics,
  type FailedStoreCall,
  type StoreCall,
} from "../src/index.js";
import { forwardStore } from "../src/store-entry.js";
import { LatencyHistogram } from "../src/wrappers/histogram.js";
import { pipeline } from "./support/graphs.js";
import { MapStore } from "./support/map-store.js";

describe("withMetrics counts", () => {
  it("counts every call of a real run by operation, and the store keeps what the run saved", async () => {
    const inner = new MapStore();
    const store = withMetrics(inner);
    await pipeline({ checkpoint: { store } }).invoke({}, { executionId: "run-1" });
    const { operations } = store.metrics();
    expect(operations.save?.count).toBe(inner.rows.size);
    expect(operations.save?.count).toBe(4); // the input and three steps
    expect(operations.save?.errors).toBe(0);
    expect(operations.latest?.count).toBe(inner.calls.filter((c) => c === "latest").length);
    expect(operations.save?.latency.count).toBe(4);
    expect(operations.save?.latency.buckets.reduce((sum, b) => sum + b.count, 0)).toBe(4);
    expect(operations.ping).toBeUndefined();
  });

  it("counts errors by code and passes the very same error on", async () => {
    const inner = new MapStore();
    const errors: FailedStoreCall[] = [];
    const store = withMetrics(inner, { onError: (call) => errors.push(call) });
    await pipeline({ checkpoint: { store } }).invoke({}, { executionId: "x" });
    const first = (await inner.list("x"))[0]!;
    const conflict = store.save({ ...first, id: "other-id" });
    await expect(conflict).rejects.toBeInstanceOf(CheckpointConflictError);
    inner.failSaveAt = 6; // the next save after the conflicting one
    const thrown = await store.save({ ...first, id: "third-id", version: 99 }).catch((e: unknown) => e);
    expect(thrown).toEqual(new Error("disk full"));

    const save = store.metrics().operations.save!;
    expect(save.count).toBe(6);
    expect(save.errors).toBe(2);
    expect(save.errorsByCode).toEqual({ LG_CHECKPOINT_CONFLICT: 1, Error: 1 });
    expect(errors.map((e) => [e.operation, e.code, e.executionId])).toEqual([
      ["save", "LG_CHECKPOINT_CONFLICT", "x"],
      ["save", "Error", "x"],
    ]);
    expect(errors[1]!.error).toBe(thrown);
  });

  it("starts again from zero after resetMetrics", async () => {
    const store = withMetrics(new MapStore());
    await store.ping();
    expect(store.metrics().operations.ping?.count).toBe(1);
    store.resetMetrics();
    expect(store.metrics().operations).toEqual({});
  });
});

describe("withMetrics latency", () => {
  it("puts a save that waits 20 ms above a 5 ms bucket and estimates percentiles inside the observed range", async () => {
    const inner = new MapStore();
    inner.saveDelayMs = 20;
    const store = withMetrics(inner, { buckets: [5, 60_000] });
    await pipeline({ checkpoint: { store } }).invoke({}, { executionId: "slow" });
    const latency = store.metrics().operations.save!.latency;
    expect(latency.buckets.map((b) => b.le)).toEqual([5, 60_000, Infinity]);
    expect(latency.buckets[0]!.count).toBe(0);
    expect(latency.buckets[1]!.count + latency.buckets[2]!.count).toBe(4);
    expect(latency.p50).toBeGreaterThanOrEqual(5);
    expect(latency.p99).toBeLessThanOrEqual(latency.maxMs);
    expect(latency.maxMs).toBeGreaterThanOrEqual(15);
  });

  it("estimates quantiles from the buckets by linear interpolation, capped at the slowest call", () => {
    const histogram = new LatencyHistogram([10, 100]);
    for (const ms of [5, 5, 5, 5, 50]) histogram.record(ms);
    const summary = histogram.summary();
    expect(summary.buckets).toEqual([
      { le: 10, count: 4 },
      { le: 100, count: 1 },
      { le: Infinity, count: 0 },
    ]);
    expect(summary.p50).toBeCloseTo(6.25); // rank 2.5 of 4 calls in (0, 10]
    expect(summary.p99).toBe(50); // (10, 100] interpolates to 95.5, above the slowest call
    expect(summary.sumMs).toBe(70);
    histogram.record(500);
    // Rank 5.94 of 6 falls in the overflow bucket, which reaches from 100 up to the slowest call.
    expect(histogram.summary().p99).toBeCloseTo(476);
    expect(new LatencyHistogram([1]).summary().p50).toBe(0);
  });

  it("rejects buckets that are not strictly increasing positive numbers", () => {
    for (const buckets of [[], [0, 1], [5, 5], [10, 2], [Number.NaN]]) {
      expect(() => withMetrics(new MapStore(), { buckets })).toThrow(InvalidArgumentError);
    }
  });
});

describe("withMetrics slow calls", () => {
  it("reports every call with slowCallMs 0, naming the operation and execution", async () => {
    const slow: StoreCall[] = [];
    const store = withMetrics(new MapStore(), { slowCallMs: 0, onSlowCall: (call) => slow.push(call) });
    await pipeline({ checkpoint: { store } }).invoke({}, { executionId: "e" });
    await store.ping();
    const total = Object.values(store.metrics().operations).reduce((sum, op) => sum + op.count, 0);
    expect(slow).toHaveLength(total);
    expect(slow.filter((c) => c.operation === "save").every((c) => c.executionId === "e")).toBe(true);
    expect(slow[slow.length - 1]).toMatchObject({ operation: "ping" });
    expect(slow[slow.length - 1]!.executionId).toBeUndefined();
  });

  it("reports a save that waits longer than slowCallMs, with its duration", async () => {
    const inner = new MapStore();
    inner.saveDelayMs = 30;
    const slow: StoreCall[] = [];
    const store = withMetrics(inner, { slowCallMs: 10, onSlowCall: (call) => slow.push(call) });
    await pipeline({ checkpoint: { store } }).invoke({}, { executionId: "e" });
    expect(slow.filter((c) => c.operation === "save")).toHaveLength(4);
    expect(slow.every((c) => c.durationMs >= 10)).toBe(true);
  });

  it("does not let a callback that throws change what the caller gets", async () => {
    const warn = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    try {
      const store = withMetrics(new MapStore(), {
        slowCallMs: 0,
        onSlowCall: () => {
          throw new Error("alerting is down");
        },
      });
      await expect(store.ping()).resolves.toBeUndefined();
      expect(warn).toHaveBeenCalledWith(expect.stringContaining("alerting is down"));
    } finally {
      warn.mockRestore();
    }
  });
});

describe("withMetrics keeps the store's shape", () => {
  it("keeps capabilities, and leaves prune out when the inner store has none", async () => {
    const inner = new MapStore();
    const metered = withMetrics(inner);
    expect(metered.capabilities).toBe(inner.capabilities);
    expect(typeof metered.prune).toBe("function");
    const withoutPrune = forwardStore(inner, {});
    delete withoutPrune.prune;
    expect(withMetrics(withoutPrune).prune).toBeUndefined();
  });

  it("times core's fallback prune through the list and delete calls it makes", async () => {
    const inner = new MapStore();
    const withoutPrune = forwardStore(inner, {});
    delete withoutPrune.prune;
    const store = withMetrics(withoutPrune);
    await pipeline({ checkpoint: { store, maxCheckpoints: 2 } }).invoke({}, { executionId: "p" });
    expect(inner.rows.size).toBe(2);
    const { operations } = store.metrics();
    expect(operations.prune).toBeUndefined();
    expect(operations.delete?.count).toBe(2);
  });
});
