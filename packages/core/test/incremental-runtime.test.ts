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
