import {
  appendReducer,
  Command,
  END,
  interrupt,
  InvalidArgumentError,
  isCommand,
  NodeError,
  START,
  StateGraph,
  type Checkpoint,
  type CompileOptions,
} from "../src/index.js";
import { pipeline, type PipelineState } from "./support/graphs.js";
import { MapStore } from "./support/map-store.js";

type Loop = { path: string[]; x?: number };

/** a → b → a → b … until the path holds `stopAt` entries. */
function loop(options: CompileOptions, stopAt = 4) {
  return new StateGraph<Loop>({ channels: { path: { reducer: appendReducer, default: () => [] } } })
    .addNode("a", () => ({ path: ["a"] }))
    .addNode("b", () => ({ path: ["b"] }))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addConditionalEdges("b", (s) => (s.path.length >= stopAt ? END : "a"))
    .compile(options);
}

/** A node that records its name in `ran` and appends it to the log. */
const logging = (ran: string[], name: string) => () => {
  ran.push(name);
  return { log: [name] };
};

/** a → (b, c) in one step → END, with node b given by the caller. */
function diamond(b: () => { log: string[] }, ran: string[], options: CompileOptions) {
  return new StateGraph<{ log: string[] }>({ channels: { log: { reducer: appendReducer, default: () => [] } } })
    .addNode("a", () => ({ log: ["a"] }))
    .addNode("b", b)
    .addNode("c", logging(ran, "c"))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addEdge("a", "c")
    .addEdge("b", END)
    .addEdge("c", END)
    .compile(options);
}

async function history(store: MapStore, executionId: string): Promise<Checkpoint[]> {
  return store.list(executionId);
}

describe("invoke with input and a checkpointId", () => {
  it("forks from that checkpoint with the input merged into its state", async () => {
    const store = new MapStore();
    const app = loop({ checkpoint: { store } });
    await app.invoke({}, { executionId: "e1" });
    const [first] = await history(store, "e1");
    const latestBefore = await store.latest("e1");
    const result = await app.invoke({ x: 2 }, { executionId: "e1", checkpointId: first?.id });
    const all = await history(store, "e1");
    const forkInput = all.find((cp) => cp.version === (latestBefore?.version ?? 0) + 1);
    expect(forkInput?.parentId).toBe(first?.id);
    expect(forkInput?.metadata.source).toBe("input");
    // The fork starts from the first checkpoint's state (empty path), not from the latest one's.
    expect(result.state.path).toEqual(["a", "b", "a", "b"]);
    expect(result.state.x).toBe(2);
  });

  it("rejects a checkpointId of another execution", async () => {
    const store = new MapStore();
    const app = loop({ checkpoint: { store } });
    await app.invoke({}, { executionId: "e1" });
    const [other] = await history(store, "e1");
    await expect(app.invoke({ x: 1 }, { executionId: "e2", checkpointId: other?.id })).rejects.toMatchObject({
      code: "LG_CHECKPOINT_NOT_FOUND",
    });
  });
});

describe("interruptBefore and resuming", () => {
  /** n1 → n2, recording what ran. */
  const twoNodes = (options: CompileOptions, ran: string[]) =>
    new StateGraph<{ log: string[] }>({ channels: { log: { reducer: appendReducer, default: () => [] } } })
      .addNode("n1", logging(ran, "n1"))
      .addNode("n2", logging(ran, "n2"))
      .addEdge(START, "n1")
      .addEdge("n1", "n2")
      .addEdge("n2", END)
      .compile(options);
  const graph = (store: MapStore, ran: string[]) =>
    twoNodes({ checkpoint: { store }, interruptBefore: ["n1", "n2"] }, ran);

  it("pauses before the next node after updateState(asNode), then continues past that pause", async () => {
    const store = new MapStore();
    const ran: string[] = [];
    const app = graph(store, ran);
    expect((await app.invoke({}, { executionId: "e" })).interrupts).toEqual([
      { node: "n1", when: "before", value: undefined },
    ]);
    await app.updateState("e", { log: ["by hand"] }, { asNode: "n1" });
    const paused = await app.invoke(null, { executionId: "e" });
    expect(paused.status).toBe("interrupted");
    expect(paused.interrupts).toEqual([{ node: "n2", when: "before", value: undefined }]);
    expect(ran).toEqual([]);
    const done = await app.invoke(null, { executionId: "e" });
    expect(done.status).toBe("done");
    expect(ran).toEqual(["n2"]);
    expect(done.state.log).toEqual(["by hand", "n2"]);
  });

  it("records the pause in the checkpoint, so getState shows it and a plain edit keeps it", async () => {
    const store = new MapStore();
    const ran: string[] = [];
    const app = graph(store, ran);
    await app.invoke({}, { executionId: "e" });
    expect((await app.getState("e"))?.interrupts).toEqual([{ node: "n1", when: "before", value: undefined }]);
    await app.updateState("e", { log: ["edited"] });
    const resumed = await app.invoke(null, { executionId: "e" });
    expect(resumed.interrupts).toEqual([{ node: "n2", when: "before", value: undefined }]);
    expect(ran).toEqual(["n1"]);
  });

  it("pauses after and then before without looping, each resume moving one pause on", async () => {
    const store = new MapStore();
    const ran: string[] = [];
    const app = twoNodes({ checkpoint: { store }, interruptAfter: ["n1"], interruptBefore: ["n2"] }, ran);
    expect((await app.invoke({}, { executionId: "e" })).interrupts).toEqual([
      { node: "n1", when: "after", value: undefined },
    ]);
    expect((await app.invoke(null, { executionId: "e" })).interrupts).toEqual([
      { node: "n2", when: "before", value: undefined },
    ]);
    expect(ran).toEqual(["n1"]);
    expect((await app.invoke(null, { executionId: "e" })).status).toBe("done");
    expect(ran).toEqual(["n1", "n2"]);
  });

  it("answers an interrupt inside a step that began past a pause before another node of it, running each node once", async () => {
    const store = new MapStore();
    const ran: string[] = [];
    const asking = () => {
      ran.push("b");
      return { log: [`b:${String(interrupt("ok?"))}`] };
    };
    const app = diamond(asking, ran, { checkpoint: { store }, interruptBefore: ["c"] });
    expect((await app.invoke({}, { executionId: "e" })).interrupts).toEqual([
      { node: "c", when: "before", value: undefined },
    ]);
    expect((await app.invoke(null, { executionId: "e" })).interrupts).toEqual([
      { node: "b", when: "inside", value: "ok?" },
    ]);
    const done = await app.invoke(new Command({ resume: "yes" }), { executionId: "e" });
    expect(done.status).toBe("done");
    expect(done.state.log).toEqual(["a", "b:yes", "c"]);
    expect(ran).toEqual(["b", "c", "b"]); // c finished in the interrupted step and is not run again
  });

  it("continues when interruptBefore gained a node while the execution was paused, instead of alternating pauses", async () => {
    const store = new MapStore();
    const ran: string[] = [];
    const build = (interruptBefore: string[]) =>
      diamond(logging(ran, "b"), ran, { checkpoint: { store }, interruptBefore });
    await build(["b"]).invoke({}, { executionId: "e" });
    const wider = build(["b", "c"]);
    const paused = await wider.invoke(null, { executionId: "e" });
    expect(paused.interrupts).toEqual([{ node: "c", when: "before", value: undefined }]);
    const done = await wider.invoke(null, { executionId: "e" });
    expect(done.status).toBe("done");
    expect(ran).toEqual(["b", "c"]);
  });

  it("does not hand a resume value to a node that only paused before", async () => {
    const store = new MapStore();
    const app = graph(store, []);
    await app.invoke({}, { executionId: "e" });
    await expect(app.invoke(new Command({ resume: "yes" }), { executionId: "e" })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });
});

describe("a Command from another copy of @lg/core", () => {
  it("resumes like one of this copy (the ESM and CommonJS builds loaded side by side)", async () => {
    const store = new MapStore();
    const app = new StateGraph<{ answer?: string }>({})
      .addNode("ask", () => ({ answer: interrupt<string>("name?") }))
      .addEdge(START, "ask")
      .addEdge("ask", END)
      .compile({ checkpoint: { store } });
    await app.invoke({}, { executionId: "e" });
    // What `new Command({ resume: "ann" })` of the other build is: a different class, the same shared brand.
    class ForeignCommand {
      readonly resume = "ann";
      readonly update = undefined;
      readonly hasResume = true;
      constructor() {
        Object.defineProperty(this, Symbol.for("@lg/core/Command"), { value: true });
      }
    }
    const foreign = new ForeignCommand();
    expect(foreign instanceof Command).toBe(false);
    expect(isCommand(foreign)).toBe(true);
    expect(isCommand({ resume: "ann" })).toBe(false);
    const result = await app.invoke(foreign as unknown as Command<{ answer?: string }>, { executionId: "e" });
    expect(result.status).toBe("done");
    expect(result.state).toEqual({ answer: "ann" });
  });
});

describe("bad input to a run", () => {
  it.each([Number.NaN, 0, -5, 2.5, Number.POSITIVE_INFINITY])("rejects recursionLimit %p", async (limit) => {
    const app = loop({});
    await expect(app.invoke({}, { recursionLimit: limit })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it.each([
    ["a string", "oops"],
    ["an array", ["x", "y"]],
    ["a number", 42],
    ["a boolean", true],
  ])("fails a node that returns %s with NodeError, saving nothing of it", async (_what, value) => {
    const store = new MapStore();
    const app = new StateGraph<{ ok?: boolean }>({})
      .addNode("bad", () => value as never)
      .addEdge(START, "bad")
      .addEdge("bad", END)
      .compile({ checkpoint: { store } });
    const error = await app.invoke({ ok: true }, { executionId: "e" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).cause).toBeInstanceOf(InvalidArgumentError);
    expect((await store.latest("e"))?.state).toEqual({ ok: true });
  });

  it("rejects updateState and Command updates that are not objects", async () => {
    const store = new MapStore();
    const app = pipeline({ checkpoint: { store } });
    await app.invoke({}, { executionId: "e" });
    for (const values of [null, "x", 3, ["a"]]) {
      await expect(app.updateState("e", values as unknown as Partial<PipelineState>)).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
      await expect(
        app.invoke(new Command({ update: values as unknown as Partial<PipelineState> }), { executionId: "e" }),
      ).rejects.toBeInstanceOf(InvalidArgumentError);
    }
  });

  it("reports a missing store as InvalidArgumentError", async () => {
    const app = pipeline({});
    await expect(app.getState("e")).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(app.updateState("e", { count: 1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(app.invoke(null, { executionId: "e" })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("refuses metadata keys the runtime writes itself", async () => {
    const app = pipeline({ checkpoint: { store: new MapStore() } });
    for (const key of ["interrupts", "resumes", "pendingWrites", "source", "step", "execution_id"]) {
      await expect(app.invoke({}, { metadata: { [key]: [] } })).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    const ok = await app.invoke({}, { executionId: "m", metadata: { user: "ann" } });
    expect(ok.status).toBe("done");
  });
});

describe("maxCheckpoints", () => {
  it("keeps an execution's pending interrupt when a fork runs past the limit", async () => {
    const store = new MapStore();
    const app = new StateGraph<{ log: string[] }>({ channels: { log: { reducer: appendReducer, default: () => [] } } })
      .addNode("work", () => ({ log: ["work"] }))
      .addNode("ask", () => {
        interrupt("approve?");
        return { log: ["ask"] };
      })
      .addNode("more", () => ({ log: ["more"] }))
      .addEdge(START, "work")
      .addEdge("work", "ask")
      .addEdge("ask", END)
      .compile({ checkpoint: { store, maxCheckpoints: 2 } });
    const paused = await app.invoke({}, { executionId: "e" });
    expect(paused.status).toBe("interrupted");
    const waiting = paused.checkpointId as string;
    const [first] = await history(store, "e");
    // A fork from the first checkpoint with new input runs on (and pauses again: "ask" interrupts on every run),
    // writing more checkpoints than maxCheckpoints keeps.
    const fork = await app.invoke({ log: ["fork"] }, { executionId: "e", checkpointId: first?.id });
    // The fork point is pruned at the end of the fork's run (it is neither among the newest 2 nor a pause).
    expect(await store.load(first?.id as string)).toBeUndefined();
    await app.invoke({ log: ["fork 2"] }, { executionId: "e", checkpointId: fork.checkpointId });
    expect(await store.load(waiting)).toBeDefined();
    const resumed = await app.invoke(new Command({ resume: "yes" }), { executionId: "e", checkpointId: waiting });
    expect(resumed.status).toBe("done");
  });

  it("prunes an answered pause also when the consumer stops reading the stream early", async () => {
    const store = new MapStore();
    const app = new StateGraph<{ n: number }>({ channels: { n: { default: () => 0 } } })
      .addNode("ask", (s) => {
        interrupt("go?");
        return { n: s.n + 1 };
      })
      .addNode("count", (s) => ({ n: s.n + 1 }))
      .addEdge(START, "ask")
      .addEdge("ask", "count")
      .addConditionalEdges("count", (s) => (s.n >= 50 ? END : "count"))
      .compile({ checkpoint: { store, maxCheckpoints: 2 }, recursionLimit: 100 });
    const paused = await app.invoke({}, { executionId: "e" });
    let checkpoints = 0;
    for await (const event of app.stream(new Command({ resume: true }), { executionId: "e" })) {
      if (event.type === "checkpoint" && ++checkpoints === 6) break;
    }
    expect(await store.load(paused.checkpointId as string)).toBeUndefined();
    expect(await store.list("e")).toHaveLength(2);
  });

  it("prunes after updateState too", async () => {
    const store = new MapStore();
    const app = pipeline({ checkpoint: { store, maxCheckpoints: 2 } });
    await app.invoke({}, { executionId: "e" });
    for (let i = 0; i < 5; i++) await app.updateState("e", { count: i });
    expect(await store.list("e")).toHaveLength(2);
  });

  it("prunes an answered interrupt like any other checkpoint", async () => {
    const store = new MapStore();
    const app = new StateGraph<{ log: string[] }>({ channels: { log: { reducer: appendReducer, default: () => [] } } })
      .addNode("ask", () => {
        interrupt("ok?");
        return { log: ["ask"] };
      })
      .addNode("after1", () => ({ log: ["after1"] }))
      .addNode("after2", () => ({ log: ["after2"] }))
      .addNode("after3", () => ({ log: ["after3"] }))
      .addEdge(START, "ask")
      .addEdge("ask", "after1")
      .addEdge("after1", "after2")
      .addEdge("after2", "after3")
      .addEdge("after3", END)
      .compile({ checkpoint: { store, maxCheckpoints: 2 } });
    const paused = await app.invoke({}, { executionId: "e" });
    await app.invoke(new Command({ resume: true }), { executionId: "e" });
    expect(await store.load(paused.checkpointId as string)).toBeUndefined();
    expect(await store.list("e")).toHaveLength(2);
  });
});

describe("stopping a stream early", () => {
  it("keeps the step whose events the consumer was handed: it never runs again", async () => {
    const store = new MapStore();
    const ran: string[] = [];
    const app = pipeline({ checkpoint: { store } }, { onRun: (node) => ran.push(node) });
    for await (const event of app.stream({}, { executionId: "e" })) {
      if (event.type === "step") break;
    }
    expect((await store.latest("e"))?.nodeName).toBe("step1");
    const done = await app.invoke(null, { executionId: "e" });
    expect(done.state.steps).toEqual(["step1", "step2", "step3"]);
    expect(ran).toEqual(["step1", "step2", "step3"]);
  });

  it("saves the progress it holds with autoSave: false", async () => {
    const store = new MapStore();
    const ran: string[] = [];
    const app = pipeline({ checkpoint: { store, autoSave: false } }, { onRun: (node) => ran.push(node) });
    let steps = 0;
    for await (const event of app.stream({}, { executionId: "e" })) {
      if (event.type === "step" && ++steps === 2) break;
    }
    expect((await store.latest("e"))?.nodeName).toBe("step2");
    const done = await app.invoke(null, { executionId: "e" });
    expect(done.state.steps).toEqual(["step1", "step2", "step3"]);
    expect(ran).toEqual(["step1", "step2", "step3"]);
  });
});

describe("interruptAfter on the last node", () => {
  it("pauses after it (with nothing left to run) and finishes on resume", async () => {
    const store = new MapStore();
    const app = pipeline({ checkpoint: { store }, interruptAfter: ["step3"] });
    const paused = await app.invoke({}, { executionId: "e" });
    expect(paused.status).toBe("interrupted");
    expect(paused.interrupts).toEqual([{ node: "step3", when: "after", value: undefined }]);
    expect(paused.next).toEqual([]);
    const done = await app.invoke(null, { executionId: "e" });
    expect(done.status).toBe("done");
    expect(done.state.steps).toEqual(["step1", "step2", "step3"]);
  });
});

describe("updateState(asNode) on an interrupted step", () => {
  type Log = { log: string[]; ans?: string };
  const build = (store: MapStore) =>
    new StateGraph<Log>({ channels: { log: { reducer: appendReducer, default: () => [] } } })
      .addNode("a", () => ({ log: [`a:${String(interrupt("a?"))}`] }))
      .addNode("b", () => ({ log: ["b"] }))
      .addNode("ca", () => ({ log: ["ca"] }))
      .addNode("cb", () => ({ log: ["cb"] }))
      .addEdge(START, "a")
      .addEdge(START, "b")
      .addEdge("a", "ca")
      .addEdge("b", "cb")
      .addEdge("ca", END)
      .addEdge("cb", END)
      .compile({ checkpoint: { store } });

  it("completes the step with the finished nodes' updates, as answering it would", async () => {
    const store = new MapStore();
    const app = build(store);
    await app.invoke({}, { executionId: "e" });
    const edited = await app.updateState("e", { log: ["a:by hand"] }, { asNode: "a" });
    expect(edited.values.log).toEqual(["a:by hand", "b"]);
    expect(edited.next).toEqual(["ca", "cb"]);
    const done = await app.invoke(null, { executionId: "e" });
    expect(done.state.log).toEqual(["a:by hand", "b", "ca", "cb"]);
  });
});

describe("reducers and routers outside a step", () => {
  const failing = (where: "reducer" | "router") =>
    new StateGraph<{ n: number }>({
      channels: {
        n: {
          reducer: (a, b) => {
            if (where === "reducer" && b < 0) throw new Error("negative");
            return a + b;
          },
          default: () => 0,
        },
      },
    })
      .addNode("x", () => ({ n: 1 }))
      .addConditionalEdges(START, (s) => {
        if (where === "router" && s.n > 5) throw new Error("router boom");
        return "x";
      })
      .addEdge("x", END)
      .compile({ checkpoint: { store: new MapStore() } });

  it("fail with NodeError: the input's reducer, the router after START, a Command's update, updateState", async () => {
    const app = failing("reducer");
    await expect(app.invoke({ n: -1 }, { executionId: "r" })).rejects.toBeInstanceOf(NodeError);
    await app.invoke({ n: 1 }, { executionId: "r" });
    await expect(app.invoke(new Command({ update: { n: -1 } }), { executionId: "r" })).rejects.toBeInstanceOf(
      NodeError,
    );
    await expect(app.updateState("r", { n: -1 })).rejects.toBeInstanceOf(NodeError);
    await expect(failing("router").invoke({ n: 10 }, { executionId: "q" })).rejects.toBeInstanceOf(NodeError);
  });
});
