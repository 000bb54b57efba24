import {
  appendReducer,
  END,
  START,
  StateGraph,
  withAccessControl,
  withEncryption,
  withMetrics,
  type CheckpointStore,
} from "../src/index.js";
import { randomBytes } from "node:crypto";
import { forwardStore, listCheckpointHeaders } from "../src/store-entry.js";
import { MapStore } from "./support/map-store.js";

function chat(store: CheckpointStore) {
  return new StateGraph<{ messages: string[]; turn: number; topic: string }>({
    channels: { messages: { reducer: appendReducer, default: () => [] } },
  })
    .addNode("reply", (s) => ({ messages: [`reply ${s.turn}`], turn: s.turn + 1 }))
    .addConditionalEdges("reply", (s) => (s.turn >= 3 ? END : "reply"))
    .addEdge(START, "reply")
    .compile({ checkpoint: { store } });
}

describe("the runtime and stores that keep changes only", () => {
  it("sends each save what changed since its parent", async () => {
    const store = new MapStore({ incremental: true });
    await chat(store).invoke({ messages: ["hi"], turn: 0, topic: "t" }, { executionId: "e" });
    const [first, ...rest] = store.saveOptions;
    expect(first).toBeUndefined(); // the execution's first checkpoint is whole
    const saved = await store.list("e");
    expect(rest).toEqual(
      saved.slice(1).map((cp) => ({ changes: { parentId: cp.parentId, whole: ["turn"], appended: { messages: 1 } } })),
    );
  });

  it("sends an edit what it changed, relative to the checkpoint it edits", async () => {
    const store = new MapStore({ incremental: true });
    const app = chat(store);
    await app.invoke({ messages: ["hi"], turn: 0, topic: "t" }, { executionId: "e" });
    const base = (await store.list("e"))[1];
    await app.updateState("e", { topic: "edited" }, { checkpointId: base?.id });
    expect(store.saveOptions.at(-1)).toEqual({ changes: { parentId: base?.id, whole: ["topic"], appended: {} } });
  });

  it("sends nothing extra to a store without the capability", async () => {
    const store = new MapStore();
    await chat(store).invoke({ messages: [], turn: 0, topic: "t" }, { executionId: "e" });
    expect(store.saveOptions.every((options) => options === undefined)).toBe(true);
  });

  it("keeps changes through metrics and access control, and sends full states through encryption", async () => {
    const metered = new MapStore({ incremental: true });
    await chat(withAccessControl(withMetrics(metered), async () => true)).invoke(
      { messages: [], turn: 0, topic: "t" },
      { executionId: "e" },
    );
    expect(metered.saveOptions.filter((o) => o?.changes !== undefined)).toHaveLength(3); // every save but the first

    const sealed = new MapStore({ incremental: true });
    const encrypted = withEncryption(sealed, { keys: { k: randomBytes(32) }, currentKeyId: "k" });
    expect(encrypted.capabilities?.incremental).toBe(false);
    await chat(encrypted).invoke({ messages: [], turn: 0, topic: "t" }, { executionId: "e" });
    expect(sealed.saveOptions.every((options) => options === undefined)).toBe(true);
  });
});

describe("retention reads headers, not states", () => {
  it("uses listHeaders when the store has it, and never list", async () => {
    const inner = new MapStore({ incremental: true });
    const calls = { list: 0, listHeaders: 0 };
    const store = forwardStore(inner, {
      list: async (executionId, options) => {
        calls.list++;
        return inner.list(executionId, options);
      },
    });
    store.listHeaders = async (executionId, options) => {
      calls.listHeaders++;
      return listCheckpointHeaders(inner, executionId, options);
    };
    const app = new StateGraph<{ messages: string[]; turn: number }>({
      channels: { messages: { reducer: appendReducer, default: () => [] } },
    })
      .addNode("reply", (s) => ({ messages: [`reply ${s.turn}`], turn: s.turn + 1 }))
      .addConditionalEdges("reply", (s) => (s.turn >= 6 ? END : "reply"))
      .addEdge(START, "reply")
      .compile({ checkpoint: { store, maxCheckpoints: 2 } });
    await app.invoke({ turn: 0 }, { executionId: "e" });
    expect(calls.list).toBe(0);
    expect(calls.listHeaders).toBeGreaterThan(0);
    expect((await inner.list("e")).map((cp) => cp.version)).toEqual([6, 7]);
  });
});

describe("a run on a store whose saves complete at once", () => {
  it("lets timers run between steps instead of holding the event loop to the end", async () => {
    const store = new MapStore(); // resolves every call in a microtask, as a synchronous SQLite store does
    let firedAtStep: number | undefined;
    let stepNow = 0;
    const app = new StateGraph<{ n: number }>({})
      .addNode("work", (s) => {
        stepNow = s.n + 1;
        if (s.n === 1) setTimeout(() => (firedAtStep = stepNow), 0);
        const until = performance.now() + 1; // 1 ms of work a step: 60 steps hold the loop for 60 ms or more
        while (performance.now() < until);
        return { n: s.n + 1 };
      })
      .addConditionalEdges("work", (s) => (s.n >= 60 ? END : "work"))
      .addEdge(START, "work")
      .compile({ checkpoint: { store } });
    await app.invoke({ n: 0 }, { executionId: "busy", recursionLimit: 100 });
    expect(firedAtStep).toBeDefined();
    expect(firedAtStep).toBeLessThan(60);
  });
});
