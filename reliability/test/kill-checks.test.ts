import { MemoryCheckpointStore } from "@lg/store-memory";
import { checkExecution } from "../src/kill/checks.js";
import { buildCountingGraph, expectedStateAt, FINAL_VERSION } from "../src/kill/graph.js";

/**
 * The kill suite's checks must see what a broken resume would leave: they pass on an uninterrupted run and report
 * a gap in the versions, a step applied twice and a final state that differs.
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
