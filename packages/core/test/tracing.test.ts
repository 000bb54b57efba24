import { tracingChannel } from "node:diagnostics_channel";
import {
  LOAD_CHANNEL,
  PRUNE_CHANNEL,
  SAVE_CHANNEL,
  STEP_CHANNEL,
  type LoadTraceContext,
  type PruneTraceContext,
  type SaveTraceContext,
  type StepTraceContext,
} from "../src/index.js";
import { traced } from "../src/tracing.js";
import { pipeline } from "./support/graphs.js";
import { MapStore } from "./support/map-store.js";

/** Records the contexts each channel published, by event, until `stop()`. */
function record<C extends object>(name: string) {
  const events: { event: string; context: C }[] = [];
  const on = (event: string) => (context: object) => events.push({ event, context: { ...(context as C) } });
  const handlers = {
    start: on("start"),
    end: on("end"),
    asyncStart: on("asyncStart"),
    asyncEnd: on("asyncEnd"),
    error: on("error"),
  };
  const channel = tracingChannel<unknown, object>(name);
  channel.subscribe(handlers);
  return {
    events,
    settled: () => events.filter((e) => e.event === "asyncEnd" || e.event === "error").map((e) => e.context),
    started: () => events.filter((e) => e.event === "start").map((e) => e.context),
    stop: () => channel.unsubscribe(handlers),
  };
}

describe("tracing channels on a real run", () => {
  it("publishes each step with its execution, step number and nodes", async () => {
    const steps = record<StepTraceContext>(STEP_CHANNEL);
    try {
      await pipeline({ checkpoint: { store: new MapStore() } }).invoke({}, { executionId: "traced-1" });
    } finally {
      steps.stop();
    }
    const started = steps.started().map(({ executionId, step, nodes }) => ({ executionId, step, nodes }));
    expect(started).toEqual([
      { executionId: "traced-1", step: 1, nodes: ["step1"] },
      { executionId: "traced-1", step: 2, nodes: ["step2"] },
      { executionId: "traced-1", step: 3, nodes: ["step3"] },
    ]);
    expect(steps.events.filter((e) => e.event === "asyncEnd")).toHaveLength(3);
  });

  it("publishes each save with its checkpoint, and the retention passes after them", async () => {
    const saves = record<SaveTraceContext>(SAVE_CHANNEL);
    const prunes = record<PruneTraceContext>(PRUNE_CHANNEL);
    const store = new MapStore();
    try {
      await pipeline({ checkpoint: { store, maxCheckpoints: 2 } }).invoke({}, { executionId: "traced-2" });
    } finally {
      saves.stop();
      prunes.stop();
    }
    const saved = saves.settled();
    expect(saved.map((c) => [c.version, c.node])).toEqual([
      [1, "__input__"],
      [2, "step1"],
      [3, "step2"],
      [4, "step3"],
    ]);
    expect(saved.every((c) => c.executionId === "traced-2" && c.error === undefined)).toBe(true);
    expect(saved.map((c) => c.checkpointId).filter((id) => store.rows.has(id))).toEqual(
      saved.slice(2).map((c) => c.checkpointId),
    );
    // A pass after each save beyond the newest two (and one more when the run finishes).
    const passes = prunes.settled();
    expect(passes.every((c) => c.executionId === "traced-2" && c.keepLast === 2)).toBe(true);
    expect(new Set(passes.map((c) => c.version))).toEqual(new Set([3, 4]));
  });

  it("publishes a failed save's error and a failed retention's error", async () => {
    const saves = record<SaveTraceContext>(SAVE_CHANNEL);
    const prunes = record<PruneTraceContext>(PRUNE_CHANNEL);
    const store = new MapStore();
    store.failPrune = true;
    store.failSaveAt = 4;
    const app = pipeline({ checkpoint: { store, maxCheckpoints: 2 } });
    try {
      await expect(app.invoke({}, { executionId: "traced-3" })).rejects.toThrow();
    } finally {
      saves.stop();
      prunes.stop();
    }
    const failed = saves.events.filter((e) => e.event === "error").map((e) => e.context);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ version: 4, error: new Error("disk full") });
    const pruneErrors = prunes.events.filter((e) => e.event === "error").map((e) => e.context);
    expect(pruneErrors.length).toBeGreaterThan(0);
    expect(pruneErrors[0]!.error).toBeInstanceOf(Error);
  });

  it("publishes the reads that start a run and the ones time travel makes", async () => {
    const store = new MapStore();
    const app = pipeline({ checkpoint: { store } });
    await app.invoke({}, { executionId: "traced-4" });
    const first = (await store.list("traced-4"))[0]!;
    const loads = record<LoadTraceContext>(LOAD_CHANNEL);
    try {
      await app.invoke({ count: 10 }, { executionId: "traced-4", checkpointId: first.id });
    } finally {
      loads.stop();
    }
    expect(
      loads.settled().map(({ operation, executionId, checkpointId }) => ({ operation, executionId, checkpointId })),
    ).toEqual([
      { operation: "latest", executionId: "traced-4", checkpointId: undefined },
      { operation: "load", executionId: "traced-4", checkpointId: first.id },
    ]);
    expect((loads.settled()[1]!.result as { id: string }).id).toBe(first.id);
  });

  it("publishes the reads of getState and getStateHistory", async () => {
    const store = new MapStore();
    const app = pipeline({ checkpoint: { store } });
    await app.invoke({}, { executionId: "traced-5" });
    const loads = record<LoadTraceContext>(LOAD_CHANNEL);
    try {
      await app.getState("traced-5");
      await app.getStateHistory("traced-5", { limit: 2 });
    } finally {
      loads.stop();
    }
    const settled = loads.settled();
    expect(settled.map(({ operation, executionId }) => ({ operation, executionId }))).toEqual([
      { operation: "latest", executionId: "traced-5" },
      { operation: "list", executionId: "traced-5" },
    ]);
    expect((settled[1]!.result as unknown[]).length).toBe(2);
  });
});

describe("tracing without subscribers", () => {
  it("does not build a context or touch the channel when nobody listens", async () => {
    let built = 0;
    const context = () => {
      built++;
      return { executionId: "e", step: 1, nodes: [] };
    };
    await expect(traced("step", context, async () => 42)).resolves.toBe(42);
    expect(built).toBe(0);
    const steps = record<StepTraceContext>(STEP_CHANNEL);
    try {
      await expect(traced("step", context, async () => 43)).resolves.toBe(43);
    } finally {
      steps.stop();
    }
    expect(built).toBe(1);
    expect(steps.settled()[0]).toMatchObject({ result: 43 });
    await traced("step", context, async () => 44);
    expect(built).toBe(1);
  });

  it("passes errors through unchanged, subscribed or not", async () => {
    const failure = new Error("boom");
    const fail = async () => {
      throw failure;
    };
    const context = () => ({ executionId: "e", checkpointId: "c", version: 1, node: "n" });
    await expect(traced("save", context, fail)).rejects.toBe(failure);
    const saves = record<SaveTraceContext>(SAVE_CHANNEL);
    try {
      await expect(traced("save", context, fail)).rejects.toBe(failure);
    } finally {
      saves.stop();
    }
    expect(saves.events.map((e) => e.event)).toEqual(["start", "end", "error", "asyncStart", "asyncEnd"]);
  });
});
