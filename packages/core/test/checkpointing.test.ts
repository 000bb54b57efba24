import { CheckpointSaveError, INPUT_NODE, type Checkpoint } from "../src/index.js";
import { pipeline } from "./support/graphs.js";
import { MapStore } from "./support/map-store.js";

async function history(store: MapStore, executionId: string): Promise<Checkpoint[]> {
  return store.list(executionId);
}

describe("checkpointing", () => {
  it("saves one checkpoint per super-step with versions 1..n, a parentId chain and next nodes", async () => {
    const store = new MapStore();
    await pipeline({ checkpoint: { store } }).invoke({}, { executionId: "run", metadata: { user: "ada" } });
    const cps = await history(store, "run");
    expect(cps.map((c) => [c.version, c.nodeName, c.next])).toEqual([
      [1, INPUT_NODE, ["step1"]],
      [2, "step1", ["step2"]],
      [3, "step2", ["step3"]],
      [4, "step3", []],
    ]);
    expect(cps.map((c) => c.parentId)).toEqual([undefined, cps[0]?.id, cps[1]?.id, cps[2]?.id]);
    expect(cps.map((c) => c.metadata.step)).toEqual([0, 1, 2, 3]);
    expect(cps.map((c) => c.metadata.source)).toEqual(["input", "loop", "loop", "loop"]);
    expect(cps.every((c) => c.metadata.execution_id === "run" && c.metadata.user === "ada")).toBe(true);
    expect(cps[3]?.state).toEqual({ steps: ["step1", "step2", "step3"], count: 3 });
  });

  it("awaits every save before the next step starts", async () => {
    const store = new MapStore();
    store.saveDelayMs = 20;
    const seen: number[] = [];
    const app = pipeline({ checkpoint: { store } }, { onRun: () => seen.push(store.rows.size) });
    await app.invoke({}, { executionId: "slow" });
    // step1 runs after the input checkpoint landed, step2 after step1's, step3 after step2's
    expect(seen).toEqual([1, 2, 3]);
    expect(store.rows.size).toBe(4);
  });

  it("fails the run with a typed error naming the execution when a save fails, and keeps what was saved", async () => {
    const store = new MapStore();
    store.failSaveAt = 3;
    const ran: string[] = [];
    const app = pipeline({ checkpoint: { store } }, { onRun: (n) => ran.push(n) });
    const error = await app.invoke({}, { executionId: "broken" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointSaveError);
    expect(error).toMatchObject({ code: "LG_CHECKPOINT_SAVE_FAILED", executionId: "broken" });
    expect((error as Error).message).toMatch(/execution "broken".*disk full/);
    expect(ran).toEqual(["step1", "step2"]); // step3 never ran on top of an unsaved step
    const latest = await store.latest("broken");
    expect(latest?.nodeName).toBe("step1");
    store.failSaveAt = undefined;
    const resumed = await app.invoke(null, { executionId: "broken" });
    expect(resumed.state.steps).toEqual(["step1", "step2", "step3"]);
  });

  it("with autoSave: false and no interval saves only when the run finishes", async () => {
    const store = new MapStore();
    await pipeline({ checkpoint: { store, autoSave: false } }).invoke({}, { executionId: "end-only" });
    const cps = await history(store, "end-only");
    expect(cps).toHaveLength(1);
    expect(cps[0]).toMatchObject({ version: 1, nodeName: "step3", next: [] });
    expect(cps[0]?.state).toEqual({ steps: ["step1", "step2", "step3"], count: 3 });
  });

  describe("saveInterval (fake clock)", () => {
    beforeEach(() => jest.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") }));
    afterEach(() => jest.useRealTimers());

    it("with autoSave: false saves at most every saveInterval, and on finish", async () => {
      const store = new MapStore();
      // every node "takes" 400 ms of clock time; interval 1000 ms
      const app = pipeline(
        { checkpoint: { store, autoSave: false, saveInterval: 1000 } },
        { onRun: () => jest.advanceTimersByTime(400) },
      );
      await app.invoke({}, { executionId: "interval" });
      const cps = await history(store, "interval");
      // t=0 input (not due), step1 t=400, step2 t=800, step3 t=1200 → due → saved; finish: nothing pending
      expect(cps.map((c) => c.nodeName)).toEqual(["step3"]);
      const store2 = new MapStore();
      const app2 = pipeline(
        { checkpoint: { store: store2, autoSave: false, saveInterval: 700 } },
        { onRun: () => jest.advanceTimersByTime(400) },
      );
      await app2.invoke({}, { executionId: "interval2" });
      // step2 at t=800 is due (>= 700 since start); step3 at t=1200 is only 400 after → saved at finish
      expect((await history(store2, "interval2")).map((c) => [c.version, c.nodeName])).toEqual([
        [1, "step2"],
        [2, "step3"],
      ]);
    });

    it("with autoSave: true ignores the interval and saves every step", async () => {
      const store = new MapStore();
      await pipeline({ checkpoint: { store, autoSave: true, saveInterval: 60_000 } }).invoke({}, { executionId: "a" });
      expect(await history(store, "a")).toHaveLength(4);
    });
  });

  it("maxCheckpoints prunes each execution to its newest N after each save", async () => {
    const store = new MapStore();
    const app = pipeline({ checkpoint: { store, maxCheckpoints: 2 } });
    await app.invoke({}, { executionId: "pruned" });
    await app.invoke({}, { executionId: "other" });
    const cps = await history(store, "pruned");
    expect(cps.map((c) => c.version)).toEqual([3, 4]);
    expect(store.calls.filter((c) => c === "prune").length).toBeGreaterThan(0);
    expect((await history(store, "other")).map((c) => c.version)).toEqual([3, 4]);
  });

  it("maxCheckpoints keeps the checkpoint a run resumed from while the run lasts, and exactly the newest N after it", async () => {
    const store = new MapStore();
    const app = pipeline({ checkpoint: { store } });
    await app.invoke({}, { executionId: "keep" });
    const first = (await history(store, "keep"))[1] as Checkpoint; // after step1
    const pruning = pipeline({ checkpoint: { store, maxCheckpoints: 1 } });
    const during: string[][] = [];
    for await (const event of pruning.stream(null, { executionId: "keep", checkpointId: first.id })) {
      if (event.type === "checkpoint") during.push((await history(store, "keep")).map((c) => c.id));
    }
    for (const ids of during) expect(ids).toContain(first.id); // the fork base, and the newest
    expect(during[0]).toHaveLength(2);
    const after = await history(store, "keep");
    expect(after).toHaveLength(1);
    expect(after[0]?.next).toEqual([]);
  });
});
