import { appendReducer, StateGraph, START, END, type Checkpoint } from "@lg/core";
import { MemoryCheckpointStore } from "../src/index.js";

/** An object whose `value` getter counts its reads: encoding it reads it, leaving it alone does not. */
function watched(): { reads: number; target: object } {
  const counter = { reads: 0, target: {} };
  Object.defineProperty(counter.target, "value", { enumerable: true, get: () => ++counter.reads });
  return counter;
}

function checkpoint(version: number, state: unknown, parentId?: string): Checkpoint {
  const cp: Checkpoint = {
    id: `cp-${version}`,
    executionId: "e",
    nodeName: "n",
    state,
    metadata: {},
    timestamp: new Date(version),
    version,
    next: [],
  };
  if (parentId !== undefined) cp.parentId = parentId;
  return cp;
}

describe("incremental saves", () => {
  it("encode what changed, not the channels a step left alone", async () => {
    const store = new MemoryCheckpointStore();
    const big = watched();
    await store.save(checkpoint(1, { big: big.target, log: ["a"] }));
    const readsAfterFirst = big.reads;
    expect(readsAfterFirst).toBeGreaterThan(0);
    for (let v = 2; v <= 50; v++) {
      const log = Array.from({ length: v }, (_, i) => String.fromCharCode(96 + (i % 26)));
      await store.save(checkpoint(v, { big: big.target, log }, `cp-${v - 1}`), {
        changes: { parentId: `cp-${v - 1}`, whole: [], appended: { log: 1 } },
      });
    }
    expect(big.reads).toBe(readsAfterFirst);
    const last = (await store.load("cp-50"))?.state as { big: unknown; log: string[] };
    expect(last.big).toEqual({ value: readsAfterFirst });
    expect(last.log).toHaveLength(50);
  });

  it("keeps one hidden row below the kept checkpoints of a run pruned to maxCheckpoints", async () => {
    const store = new MemoryCheckpointStore();
    const app = new StateGraph<{ log: string[]; n: number }>({
      channels: { log: { reducer: appendReducer, default: () => [] } },
    })
      .addNode("tick", (s) => ({ log: ["y".repeat(1000)], n: s.n + 1 }))
      .addConditionalEdges("tick", (s) => (s.n >= 200 ? END : "tick"))
      .addEdge(START, "tick")
      .compile({ checkpoint: { store, maxCheckpoints: 5 } });
    const result = await app.invoke({ n: 0 }, { executionId: "long", recursionLimit: 500 });
    expect(result.state.log).toHaveLength(200);
    expect((await store.stats()).checkpoints).toBe(5);
    const bytes = (await store.stats()).bytes ?? 0;
    // 200 messages of 1 kB: whole states of the five kept checkpoints alone would be ~1 MB; rows hold each once.
    expect(bytes).toBeGreaterThan(200_000);
    expect(bytes).toBeLessThan(400_000);
    const history = await app.getStateHistory("long");
    expect(history.map((s) => s.values.log.length)).toEqual([200, 199, 198, 197, 196]);
  });

  it("stores what a node pushed onto a list in place (which nodes should not do), not the list as it was", async () => {
    const store = new MemoryCheckpointStore();
    const app = new StateGraph<{ log: string[]; n: number }>({
      channels: { log: { reducer: appendReducer, default: () => [] } },
    })
      .addNode("tick", (s) => {
        s.log.push(`pushed ${s.n}`);
        return { log: [`returned ${s.n}`], n: s.n + 1 };
      })
      .addConditionalEdges("tick", (s) => (s.n >= 3 ? END : "tick"))
      .addEdge(START, "tick")
      .compile({ checkpoint: { store } });
    const result = await app.invoke({ n: 0 }, { executionId: "pushy" });
    const stored = await app.getState("pushy");
    expect(stored?.values.log).toEqual(result.state.log);
    expect(stored?.values.log).toHaveLength(6);
  });

  it("brings back a deleted checkpoint that later rows read through when it is saved again", async () => {
    const store = new MemoryCheckpointStore();
    const first = checkpoint(1, { log: ["a"] });
    const second = checkpoint(2, { log: ["a", "b"] }, "cp-1");
    const third = checkpoint(3, { log: ["a", "b", "c"] }, "cp-2");
    await store.save(first);
    await store.save(second, { changes: { parentId: "cp-1", whole: [], appended: { log: 1 } } });
    await store.save(third, { changes: { parentId: "cp-2", whole: [], appended: { log: 1 } } });
    await store.delete("cp-2");
    expect(await store.load("cp-2")).toBeUndefined();
    expect((await store.stats()).checkpoints).toBe(2);
    await store.save(second); // a restore of the deleted checkpoint
    expect((await store.load("cp-2"))?.state).toEqual({ log: ["a", "b"] });
    expect((await store.list("e")).map((cp) => cp.version)).toEqual([1, 2, 3]);
    await store.delete("cp-2");
    await expect(store.save({ ...second, state: { log: ["other"] } })).rejects.toMatchObject({
      code: "LG_CHECKPOINT_CONFLICT",
    });
  });
});
