import { MemoryCheckpointStore } from "@lg/store-memory";
import { checkExecution, checkKillPoints } from "../src/kill/checks.js";
import { buildCountingGraph, expectedStateAt, FINAL_VERSION } from "../src/kill/graph.js";

/**
 * The kill suite's checks must see what a broken resume would leave: they pass on an uninterrupted run and report
 * a gap in the versions, a step applied twice and a final state that differs; and a kill that did not fall where
 * it claims.
 */

const reference = expectedStateAt(FINAL_VERSION);

async function finishedRun(executionId: string): Promise<MemoryCheckpointStore> {
  const store = new MemoryCheckpointStore();
  const result = await buildCountingGraph(store).invoke({}, { executionId });
  expect(result.status).toBe("done");
  return store;
}

describe("kill suite checks", () => {
  it("find nothing wrong with an uninterrupted run, whose state is the closed-form one", async () => {
    const store = await finishedRun("clean");
    expect(await checkExecution(store, "clean", reference)).toEqual([]);
  });

  it("report a missing version", async () => {
    const store = await finishedRun("gap");
    const [lost] = await store.list("gap", { afterVersion: 19, limit: 1 });
    await store.delete(lost?.id ?? "");
    expect(await checkExecution(store, "gap", reference)).toEqual(
      expect.arrayContaining([expect.stringMatching(/versions \[.*19,21.*\], expected 1\.\.51/)]),
    );
  });

  it("report a step applied twice and a final state that differs", async () => {
    const store = await finishedRun("twice");
    const app = buildCountingGraph(store);
    await app.updateState("twice", { steps: [50], squares: [2500] });
    const problems = await checkExecution(store, "twice", reference);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/final state differs/),
        expect.stringMatching(/steps applied twice: \[50\]/),
        expect.stringMatching(/squares applied twice: \[2500\]/),
      ]),
    );
  });

  it("report an execution that has no checkpoint", async () => {
    expect(await checkExecution(new MemoryCheckpointStore(), "none", reference)).toEqual([
      "none: getState found no checkpoint",
    ]);
  });
});

describe("kill point checks", () => {
  it("accept what each kind of kill may leave stored", () => {
    expect(
      checkKillPoints("e", [
        { kind: "node", at: 12, versions: [5, 11] },
        { kind: "before-save", at: 20, versions: [11, 19] },
        { kind: "inside-save", at: 25, timing: "sync", versions: [19, 24] },
        { kind: "inside-save", at: 30, timing: "timer", versions: [24, 30] },
        { kind: "after-save", at: 33, versions: [30, 33] },
        { kind: "wall-clock", at: 43, versions: [33, 33] },
        { kind: "wall-clock", at: 51, versions: [42, 50] },
      ]),
    ).toEqual([]);
  });

  it("report a kill that did not fall where it claims", () => {
    expect(
      checkKillPoints("e", [
        { kind: "node", at: 12, versions: [5, 12] },
        { kind: "after-save", at: 33, versions: [30, 32] },
        { kind: "inside-save", at: 25, timing: "sync", versions: [19, 26] },
        { kind: "wall-clock", at: 43, versions: [33, 43] },
      ]),
    ).toEqual([
      "e: node kill at v12 left v12 stored, expected v11..v11",
      "e: after-save kill at v33 left v32 stored, expected v33..v33",
      "e: inside-save kill at v25 left v26 stored, expected v24..v25",
      "e: wall-clock kill at v43 left v43 stored, expected v33..v42",
    ]);
  });
});
