import { CheckpointConflictError, CheckpointNotFoundError, Command, NodeError, type Checkpoint } from "../src/index.js";
import { pipeline } from "./support/graphs.js";
import { MapStore } from "./support/map-store.js";

/** The pipeline, with step2 crashing while `crash.on` is true; `ran` records every node start. */
function crashingPipeline(store: MapStore, crash: { on: boolean }, ran: string[], autoSave = true) {
  return pipeline(
    { checkpoint: { store, autoSave } },
    {
      onRun: (name) => {
        ran.push(name);
        if (name === "step2" && crash.on) throw new Error("process killed");
      },
    },
  );
}

describe("resume", () => {
  it("continues after a crash from the latest checkpoint's next nodes, without re-running finished ones", async () => {
    const store = new MapStore();
    const crash = { on: true };
    const ran: string[] = [];
    const app = crashingPipeline(store, crash, ran);
    await expect(app.invoke({}, { executionId: "job" })).rejects.toBeInstanceOf(NodeError);
    expect((await store.latest("job"))?.next).toEqual(["step2"]);
    crash.on = false;
    const result = await app.invoke(null, { executionId: "job" });
    expect(result.status).toBe("done");
    expect(result.state.steps).toEqual(["step1", "step2", "step3"]);
    expect(ran).toEqual(["step1", "step2", "step2", "step3"]);
    const versions = (await store.list("job")).map((c) => c.version);
    expect(versions).toEqual([1, 2, 3, 4]);
  });

  it("with autoSave: false still saves the progress made before an error", async () => {
    const store = new MapStore();
    const crash = { on: true };
    const app = crashingPipeline(store, crash, [], false);
    await expect(app.invoke({}, { executionId: "lazy" })).rejects.toThrow(/node "step2" failed/);
    const cps = await store.list("lazy");
    expect(cps.map((c) => [c.nodeName, c.next])).toEqual([["step1", ["step2"]]]);
    crash.on = false;
    expect((await app.invoke(null, { executionId: "lazy" })).state.steps).toEqual(["step1", "step2", "step3"]);
  });

  it("raises CheckpointNotFoundError when there is nothing to resume", async () => {
    const app = pipeline({ checkpoint: { store: new MapStore() } });
    await expect(app.invoke(null, { executionId: "none" })).rejects.toBeInstanceOf(CheckpointNotFoundError);
    await expect(app.invoke(null, { executionId: "none", checkpointId: "missing" })).rejects.toThrow(
      "checkpoint not found: missing",
    );
  });

  it("resuming a finished execution returns its final state without running anything", async () => {
    const store = new MapStore();
    const ran: string[] = [];
    const app = pipeline({ checkpoint: { store } }, { onRun: (n) => ran.push(n) });
    await app.invoke({}, { executionId: "fin" });
    const again = await app.invoke(null, { executionId: "fin" });
    expect(again.status).toBe("done");
    expect(ran).toHaveLength(3);
    expect((await store.list("fin")).length).toBe(4);
  });

  it("forks from an older checkpoint: new versions continue after the latest, parentId records the fork point", async () => {
    const store = new MapStore();
    const app = pipeline({ checkpoint: { store } });
    await app.invoke({}, { executionId: "tt" });
    const original = await store.list("tt");
    const forkPoint = original[1] as Checkpoint; // after step1, next = step2
    const fork = await app.invoke(null, { executionId: "tt", checkpointId: forkPoint.id });
    expect(fork.state.steps).toEqual(["step1", "step2", "step3"]);
    const all = await store.list("tt");
    expect(all.map((c) => c.version)).toEqual([1, 2, 3, 4, 5, 6]);
    const [v5, v6] = all.slice(4) as [Checkpoint, Checkpoint];
    expect(v5.parentId).toBe(forkPoint.id);
    expect(v6.parentId).toBe(v5.id);
    expect(new Set(all.map((c) => c.id)).size).toBe(6);
    // the original branch is untouched
    expect(all.slice(0, 4)).toEqual(original);
  });

  it("lets exactly one of two workers advance an execution; the other gets CheckpointConflictError", async () => {
    const store = new MapStore();
    const crash = { on: true };
    const app = crashingPipeline(store, crash, []);
    await expect(app.invoke({}, { executionId: "race" })).rejects.toBeInstanceOf(NodeError);
    crash.on = false;
    store.saveDelayMs = 5;
    const results = await Promise.allSettled([
      app.invoke(null, { executionId: "race" }),
      app.invoke(null, { executionId: "race" }),
    ]);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toBeInstanceOf(CheckpointConflictError);
    expect(rejected[0]?.reason).toMatchObject({ code: "LG_CHECKPOINT_CONFLICT", executionId: "race", version: 3 });
    const versions = (await store.list("race")).map((c) => c.version);
    expect(versions).toEqual([1, 2, 3, 4]); // nothing overwritten, nothing duplicated
  });

  it("a Command update is applied through the reducers and recorded before continuing", async () => {
    const store = new MapStore();
    const crash = { on: true };
    const app = crashingPipeline(store, crash, []);
    await expect(app.invoke({}, { executionId: "cmd" })).rejects.toBeInstanceOf(NodeError);
    crash.on = false;
    const result = await app.invoke(new Command({ update: { steps: ["human"] } }), { executionId: "cmd" });
    expect(result.state.steps).toEqual(["step1", "human", "step2", "step3"]);
    const update = (await store.list("cmd"))[2];
    expect(update).toMatchObject({ nodeName: "__update__", metadata: { source: "update" }, next: ["step2"] });
  });
});
