import { appendReducer, END, START, StateGraph, type StreamPart } from "../src/index.js";
import { MapStore } from "./support/map-store.js";

type S = { log: string[] };

function graph(store: MapStore) {
  return new StateGraph<S>({ channels: { log: { reducer: appendReducer, default: () => [] } } })
    .addNode("write", (_s, ctx) => {
      ctx.emit({ token: "Hel" });
      ctx.emit({ token: "lo" });
      return { log: ["write"] };
    })
    .addNode("check", () => ({ log: ["check"] }))
    .addEdge(START, "write")
    .addEdge("write", "check")
    .addEdge("check", END)
    .compile({ checkpoint: { store } });
}

async function collect<T>(parts: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

describe("stream modes", () => {
  it("values: the state where the run starts and after every step", async () => {
    const parts = await collect(graph(new MapStore()).stream({}, { executionId: "v", streamMode: "values" }));
    expect(parts.map((p) => p.values.log)).toEqual([[], ["write"], ["write", "check"]]);
    expect(parts.every((p) => p.mode === "values")).toBe(true);
  });

  it("updates: each node's update after its step", async () => {
    const parts = await collect(graph(new MapStore()).stream({}, { executionId: "u", streamMode: "updates" }));
    expect(parts).toEqual([
      { mode: "updates", step: 1, node: "write", update: { log: ["write"] } },
      { mode: "updates", step: 2, node: "check", update: { log: ["check"] } },
    ]);
  });

  it("checkpoints: a snapshot of every checkpoint written", async () => {
    const store = new MapStore();
    const parts = await collect(graph(store).stream({}, { executionId: "c", streamMode: "checkpoints" }));
    expect(parts.map((p) => p.snapshot.nodeName)).toEqual(["__input__", "write", "check"]);
    expect(parts.map((p) => p.snapshot.checkpointId)).toEqual((await store.list("c")).map((cp) => cp.id));
  });

  it("custom and tasks: values a node emits and each attempt's start and result, live, in order", async () => {
    const parts = await collect(
      graph(new MapStore()).stream({}, { executionId: "t", streamMode: ["custom", "tasks"] }),
    );
    const write = parts.filter((p) => p.node === "write");
    expect(write).toEqual([
      { mode: "tasks", event: "start", step: 1, node: "write", attempt: 1 },
      { mode: "custom", step: 1, node: "write", attempt: 1, value: { token: "Hel" } },
      { mode: "custom", step: 1, node: "write", attempt: 1, value: { token: "lo" } },
      {
        mode: "tasks",
        event: "result",
        step: 1,
        node: "write",
        attempt: 1,
        outcome: "done",
        update: { log: ["write"] },
      },
    ]);
  });

  it("custom values arrive while the node still runs", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const app = new StateGraph<S>({ channels: { log: { reducer: appendReducer, default: () => [] } } })
      .addNode("talk", async (_s, ctx) => {
        ctx.emit("first token");
        await gate;
        return { log: ["talk"] };
      })
      .addEdge(START, "talk")
      .compile({ checkpoint: { store: new MapStore() } });
    const seen: StreamPart<S>[] = [];
    for await (const part of app.stream({}, { executionId: "live", streamMode: ["custom", "updates"] })) {
      seen.push(part);
      if (part.mode === "custom") release(); // the node is blocked until its first token was received
    }
    expect(seen.map((p) => p.mode)).toEqual(["custom", "updates"]);
  });

  it("the stream's return value is the run result; an unknown mode is refused", async () => {
    const app = graph(new MapStore());
    const parts = app.stream({}, { executionId: "r", streamMode: "values" });
    let item = await parts.next();
    while (item.done !== true) item = await parts.next();
    expect(item.value.status).toBe("done");
    await expect(app.stream({}, { streamMode: "everything" as never }).next()).rejects.toMatchObject({
      code: "LG_INVALID_ARGUMENT",
    });
  });

  it("without streamMode, the events stay the same (no values, task or custom events)", async () => {
    const events = await collect(graph(new MapStore()).stream({}, { executionId: "plain" }));
    expect(events.map((e) => e.type)).toEqual(["checkpoint", "step", "checkpoint", "step", "checkpoint", "done"]);
  });
});
