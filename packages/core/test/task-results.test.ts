import {
  appendReducer,
  Command,
  createCheckpointId,
  END,
  interrupt,
  START,
  StateGraph,
  type Checkpoint,
} from "../src/index.js";
import { MapStore } from "./support/map-store.js";

type Fan = { log: string[]; answer?: string };

/** A parallel step: `mail` finishes (a side effect), `ask` pauses for a human, `charge` fails on its first runs. */
function fanOut(store: MapStore, calls: Record<string, number>, chargeFailures: { left: number }) {
  const count = (node: string) => (calls[node] = (calls[node] ?? 0) + 1);
  return new StateGraph<Fan>({ channels: { log: { reducer: appendReducer, default: () => [] } } })
    .addNode("start", () => ({ log: ["start"] }))
    .addNode("mail", () => {
      count("mail");
      return { log: ["mail"] };
    })
    .addNode("ask", () => {
      count("ask");
      return { answer: interrupt<string>("which plan?"), log: ["ask"] };
    })
    .addNode("charge", () => {
      count("charge");
      if (chargeFailures.left-- > 0) throw new Error("card service down");
      return { log: ["charge"] };
    })
    .addEdge(START, "start")
    .addEdge("start", "mail")
    .addEdge("start", "ask")
    .addEdge("start", "charge")
    .addEdge("mail", END)
    .compile({ checkpoint: { store } });
}

describe("task results", () => {
  it("a node failing in a parallel step keeps the siblings' writes and interrupt: a resume runs only what did not finish", async () => {
    const store = new MapStore();
    const calls: Record<string, number> = {};
    const app = fanOut(store, calls, { left: 1 });
    await expect(app.invoke({}, { executionId: "p" })).rejects.toMatchObject({
      code: "LG_NODE_FAILED",
      node: "charge",
    });
    const kept = await app.getState("p");
    expect(kept?.nodeName).toBe("__error__");
    expect(kept?.next).toEqual(["mail", "ask", "charge"]);
    expect(kept?.interrupts).toEqual([{ node: "ask", when: "inside", value: "which plan?" }]);
    expect(kept?.tasks?.nodes.mail).toEqual({ writes: { log: ["mail"] } });
    expect(kept?.tasks?.nodes.charge?.error).toBe("card service down");
    expect(kept?.metadata).not.toHaveProperty("interrupts");
    expect(kept?.metadata).not.toHaveProperty("pendingWrites");

    const done = await app.invoke(new Command({ resume: "pro" }), { executionId: "p" });
    expect(done.status).toBe("done");
    expect(done.state.answer).toBe("pro");
    expect(done.state.log).toEqual(["start", "mail", "ask", "charge"]);
    expect(calls).toEqual({ mail: 1, ask: 2, charge: 2 });
  });

  it("a resume without an answer re-runs the failed node and pauses again for the kept interrupt", async () => {
    const store = new MapStore();
    const calls: Record<string, number> = {};
    const app = fanOut(store, calls, { left: 1 });
    await expect(app.invoke({}, { executionId: "q" })).rejects.toMatchObject({ code: "LG_NODE_FAILED" });
    const paused = await app.invoke(null, { executionId: "q" });
    expect(paused.status).toBe("interrupted");
    expect(paused.interrupts).toEqual([{ node: "ask", when: "inside", value: "which plan?" }]);
    expect((await app.getState("q"))?.tasks?.nodes.charge).toEqual({ writes: { log: ["charge"] } });
    const done = await app.invoke(new Command({ resume: "basic" }), { executionId: "q" });
    expect(done.state.log).toEqual(["start", "mail", "ask", "charge"]);
    expect(calls).toEqual({ mail: 1, ask: 3, charge: 2 });
  });

  it("a node that fails alone writes no extra checkpoint (its step had nothing else to keep)", async () => {
    const store = new MapStore();
    const app = new StateGraph<{ n: number }>()
      .addNode("boom", () => {
        throw new Error("no");
      })
      .addEdge(START, "boom")
      .compile({ checkpoint: { store } });
    await expect(app.invoke({ n: 1 }, { executionId: "z" })).rejects.toMatchObject({ code: "LG_NODE_FAILED" });
    expect((await store.list("z")).map((cp) => cp.nodeName)).toEqual(["__input__"]);
  });

  it("a store without the taskResults capability gets them inside the metadata, and nothing of the step is lost", async () => {
    const store = new MapStore({ taskResults: false });
    const calls: Record<string, number> = {};
    const app = fanOut(store, calls, { left: 1 });
    await expect(app.invoke({}, { executionId: "older" })).rejects.toMatchObject({ code: "LG_NODE_FAILED" });
    const stored = await store.latest("older");
    expect(stored?.tasks).toBeUndefined();
    expect((stored?.metadata.tasks as { interrupts: unknown[] }).interrupts).toEqual([
      { node: "ask", when: "inside", value: "which plan?" },
    ]);
    expect((await app.getState("older"))?.tasks?.nodes.mail).toEqual({ writes: { log: ["mail"] } });
    const done = await app.invoke(new Command({ resume: "pro" }), { executionId: "older" });
    expect(done.state.log).toEqual(["start", "mail", "ask", "charge"]);
    expect(calls).toEqual({ mail: 1, ask: 2, charge: 2 });
  });

  it("resumes a pause written by the previous release (task results kept in metadata)", async () => {
    const store = new MapStore();
    const calls: Record<string, number> = {};
    const app = fanOut(store, calls, { left: 0 });
    const legacy: Checkpoint = {
      id: createCheckpointId(),
      executionId: "old",
      nodeName: "__interrupt__",
      state: { log: ["start"] },
      metadata: {
        source: "loop",
        step: 1,
        execution_id: "old",
        interrupts: [{ node: "ask", when: "inside", value: "which plan?" }],
        resumes: {},
        pendingWrites: { mail: { log: ["mail"] }, charge: { log: ["charge"] } },
      },
      timestamp: new Date(),
      version: 2,
      next: ["mail", "ask", "charge"],
    };
    await store.save(legacy);
    expect((await app.getState("old"))?.interrupts).toEqual([{ node: "ask", when: "inside", value: "which plan?" }]);
    const done = await app.invoke(new Command({ resume: "pro" }), { executionId: "old" });
    expect(done.state.log).toEqual(["start", "mail", "ask", "charge"]);
    expect(calls).toEqual({ ask: 1 });
  });
});

describe("state keys that name Object.prototype members", () => {
  it("stores __proto__, constructor and prototype keys of a node update as plain keys", async () => {
    const store = new MapStore();
    const app = new StateGraph<Record<string, unknown>>()
      .addNode(
        "parse",
        () =>
          JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1, "prototype": 2}') as Record<string, unknown>,
      )
      .addEdge(START, "parse")
      .compile({ checkpoint: { store } });
    const done = await app.invoke({ before: 1 }, { executionId: "proto" });
    expect(Object.getPrototypeOf(done.state)).toBe(Object.prototype);
    expect((done.state as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(done.state).sort()).toEqual(["__proto__", "before", "constructor", "prototype"]);
    const loaded = (await store.latest("proto"))?.state as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(loaded, "__proto__")?.value).toEqual({ polluted: true });
    expect(Object.getPrototypeOf(loaded)).toBe(Object.prototype);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
