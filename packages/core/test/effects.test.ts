import {
  Command,
  EFFECT_NODE,
  END,
  interrupt,
  isLgError,
  LeaseLostError,
  NodeError,
  START,
  StateGraph,
  type CompileOptions,
  type ExecutionRegistry,
  type NodeContext,
} from "../src/index.js";
import { forwardStore } from "../src/store-entry.js";
import { MapStore } from "./support/map-store.js";

type Order = { charged?: string; at?: Date; shipped?: boolean; approved?: boolean; log: string[] };

/** A graph charging a card with `context.step` in `pay`, then `ship`; `crash.on` makes `pay` fail after the charge. */
function shop(options: CompileOptions, calls: string[], crash: { on: boolean }) {
  return new StateGraph<Order>({ channels: { log: { reducer: (a, b) => [...a, ...b], default: () => [] } } })
    .addNode("pay", async (_state, ctx: NodeContext) => {
      const receipt = await ctx.step("charge", () => {
        calls.push("charge");
        return { id: `r-${calls.length}`, at: new Date(1_700_000_000_000) };
      });
      if (crash.on) throw new Error("process killed");
      return { charged: receipt.id, at: receipt.at, log: ["pay"] };
    })
    .addNode("ship", () => ({ shipped: true, log: ["ship"] }))
    .addEdge(START, "pay")
    .addEdge("pay", "ship")
    .addEdge("ship", END)
    .compile(options);
}

describe("context.step", () => {
  it("records the outcome before the node goes on and hands it back on a resume without calling fn again", async () => {
    const store = new MapStore();
    const calls: string[] = [];
    const crash = { on: true };
    const app = shop({ checkpoint: { store } }, calls, crash);
    await expect(app.invoke({}, { executionId: "o1" })).rejects.toBeInstanceOf(NodeError);
    const recorded = await store.latest("o1");
    expect(recorded?.tasks?.nodes.pay?.steps?.charge).toEqual({
      value: { id: "r-1", at: new Date(1_700_000_000_000) },
    });
    crash.on = false;
    const result = await app.invoke(null, { executionId: "o1" });
    expect(calls).toEqual(["charge"]);
    expect(result.state.charged).toBe("r-1");
    expect(result.state.at).toEqual(new Date(1_700_000_000_000));
    // The step completed: the checkpoints after it carry no recorded steps.
    expect((await store.latest("o1"))?.tasks?.nodes.pay).toBeUndefined();
    const versions = (await store.list("o1")).map((cp) => cp.version);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
  });

  it("writes its checkpoint at once even with autoSave: false", async () => {
    const store = new MapStore();
    const calls: string[] = [];
    const seen: (string | undefined)[] = [];
    const app = new StateGraph<Order>({ channels: { log: { reducer: (a, b) => [...a, ...b], default: () => [] } } })
      .addNode("pay", async (_s, ctx) => {
        await ctx.step("charge", () => calls.push("charge"));
        seen.push((await store.latest("lazy"))?.nodeName);
        return { log: ["pay"] };
      })
      .addEdge(START, "pay")
      .compile({ checkpoint: { store, autoSave: false } });
    await app.invoke({}, { executionId: "lazy" });
    expect(seen).toEqual([EFFECT_NODE]);
    expect(calls).toEqual(["charge"]);
  });

  it("records a failure once: a retry of the node gets StepFailedError back without calling fn", async () => {
    const store = new MapStore();
    let calls = 0;
    const errors: unknown[] = [];
    const app = new StateGraph<Order>({ channels: {} })
      .addNode(
        "pay",
        async (_s, ctx) => {
          try {
            await ctx.step("charge", () => {
              calls++;
              throw Object.assign(new TypeError("card declined"), { code: "DECLINED" });
            });
          } catch (error) {
            errors.push(error);
            throw error;
          }
        },
        { retry: { maxAttempts: 2, initialDelayMs: 1 } },
      )
      .addEdge(START, "pay")
      .compile({ checkpoint: { store } });
    await expect(app.invoke({}, { executionId: "declined" })).rejects.toBeInstanceOf(NodeError);
    expect(calls).toBe(1);
    expect(errors[0]).toBeInstanceOf(TypeError);
    expect(errors[1]).toMatchObject({
      code: "LG_STEP_FAILED",
      stepName: "charge",
      originalName: "TypeError",
      originalCode: "DECLINED",
    });
  });

  it("calls fn again under its own retry policy before recording", async () => {
    const store = new MapStore();
    let calls = 0;
    const app = new StateGraph<{ value?: number }>({ channels: {} })
      .addNode("flaky", async (_s, ctx) => ({
        value: await ctx.step(
          "fetch",
          () => {
            calls++;
            if (calls < 3) throw new Error("timeout");
            return 42;
          },
          { retry: { maxAttempts: 3, initialDelayMs: 1 } },
        ),
      }))
      .addEdge(START, "flaky")
      .compile({ checkpoint: { store } });
    expect((await app.invoke({}, { executionId: "flaky" })).state.value).toBe(42);
    expect(calls).toBe(3);
  });

  it("tells repeated names apart by their order", async () => {
    const store = new MapStore();
    const sent: string[] = [];
    const crash = { on: true };
    const app = new StateGraph<{ n?: number }>({ channels: {} })
      .addNode("mail", async (_s, ctx) => {
        for (const to of ["a", "b", "c"]) await ctx.step("send", () => sent.push(to));
        if (crash.on) throw new Error("process killed");
        return { n: sent.length };
      })
      .addEdge(START, "mail")
      .compile({ checkpoint: { store } });
    await expect(app.invoke({}, { executionId: "mail" })).rejects.toBeInstanceOf(NodeError);
    expect(Object.keys((await store.latest("mail"))?.tasks?.nodes.mail?.steps ?? {})).toEqual([
      "send",
      "send#2",
      "send#3",
    ]);
    crash.on = false;
    await app.invoke(null, { executionId: "mail" });
    expect(sent).toEqual(["a", "b", "c"]);
  });

  it("keeps the recorded outcome across a pause and its answer", async () => {
    const store = new MapStore();
    const calls: string[] = [];
    const app = new StateGraph<Order>({ channels: { log: { reducer: (a, b) => [...a, ...b], default: () => [] } } })
      .addNode("pay", async (_s, ctx) => {
        const receipt = await ctx.step("charge", () => {
          calls.push("charge");
          return "r-1";
        });
        const ok = interrupt<boolean>({ refund: receipt });
        return { charged: receipt, approved: ok, log: ["pay"] };
      })
      .addEdge(START, "pay")
      .compile({ checkpoint: { store } });
    const paused = await app.invoke({}, { executionId: "ask" });
    expect(paused.status).toBe("interrupted");
    const done = await app.invoke(new Command({ resume: true }), { executionId: "ask" });
    expect(done.state).toMatchObject({ charged: "r-1", approved: true });
    expect(calls).toEqual(["charge"]);
  });

  it("keeps the answer given before an effect when the node is run again after a crash", async () => {
    const store = new MapStore();
    const calls: string[] = [];
    const crash = { on: true };
    const app = new StateGraph<Order>({ channels: { log: { reducer: (a, b) => [...a, ...b], default: () => [] } } })
      .addNode("pay", async (_s, ctx) => {
        const ok = interrupt<boolean>("charge?");
        if (!ok) return { approved: false };
        await ctx.step("charge", () => calls.push("charge"));
        if (crash.on) throw new Error("process killed");
        return { approved: true, log: ["pay"] };
      })
      .addEdge(START, "pay")
      .compile({ checkpoint: { store } });
    await app.invoke({}, { executionId: "answered" });
    await expect(app.invoke(new Command({ resume: true }), { executionId: "answered" })).rejects.toBeInstanceOf(
      NodeError,
    );
    crash.on = false;
    const done = await app.invoke(null, { executionId: "answered" });
    expect(done).toMatchObject({ status: "done", state: { approved: true } });
    expect(calls).toEqual(["charge"]);
  });

  it("records the effects of nodes running in one step side by side", async () => {
    const store = new MapStore();
    const calls: string[] = [];
    const crash = { on: true };
    const node = (name: string) => async (_s: { n?: number }, ctx: NodeContext) => {
      await ctx.step("effect", async () => {
        await new Promise((resolve) => setTimeout(resolve, name === "a" ? 5 : 1));
        calls.push(name);
      });
      if (name === "b" && crash.on) throw new Error("process killed");
      return {};
    };
    const app = new StateGraph<{ n?: number }>({ channels: {} })
      .addNode("a", node("a"))
      .addNode("b", node("b"))
      .addEdge(START, "a")
      .addEdge(START, "b")
      .compile({ checkpoint: { store } });
    await expect(app.invoke({}, { executionId: "pair" })).rejects.toBeInstanceOf(NodeError);
    crash.on = false;
    await app.invoke(null, { executionId: "pair" });
    expect(calls.sort()).toEqual(["a", "b"]);
  });

  it("without a store keeps outcomes for the run's own retries", async () => {
    let calls = 0;
    let attempts = 0;
    const app = new StateGraph<{ v?: number }>({ channels: {} })
      .addNode(
        "n",
        async (_s, ctx) => {
          attempts++;
          const v = await ctx.step("once", () => ++calls);
          if (attempts === 1) throw new Error("transient");
          return { v };
        },
        { retry: { maxAttempts: 2, initialDelayMs: 1 } },
      )
      .addEdge(START, "n")
      .compile();
    expect((await app.invoke({})).state.v).toBe(1);
    expect(calls).toBe(1);
  });

  it("fails the node with SerializationError when the value cannot be stored", async () => {
    const store = new MapStore();
    const app = new StateGraph<{ v?: number }>({ channels: {} })
      .addNode("n", async (_s, ctx) => {
        await ctx.step("bad", () => ({ callback: () => 1 }));
        return {};
      })
      .addEdge(START, "n")
      .compile({ checkpoint: { store } });
    const error = await app.invoke({}, { executionId: "bad" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).cause).toMatchObject({ code: "LG_SERIALIZATION" });
  });

  it("hands fn the same idempotency key when it runs again because its record was not stored", async () => {
    const inner = new MapStore();
    const down = { on: true };
    // As if the process died after fn: nothing written after the input reaches the store.
    const store = forwardStore(inner, {
      save: async (cp, options) => {
        if (down.on && cp.version > 1) throw new Error("process killed");
        return inner.save(cp, options);
      },
    });
    const keys: string[] = [];
    const app = new StateGraph<{ v?: number }>({ channels: {} })
      .addNode("n", async (_s, ctx) => {
        await ctx.step("charge", ({ key }) => keys.push(key));
        await ctx.step("mail", ({ key }) => keys.push(key));
        return {};
      })
      .addEdge(START, "n")
      .compile({ checkpoint: { store } });
    await expect(app.invoke({}, { executionId: "keyed" })).rejects.toBeInstanceOf(NodeError);
    down.on = false;
    await app.invoke(null, { executionId: "keyed" });
    expect(keys).toHaveLength(3);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it("records nothing for an attempt that outlived its step (timed out)", async () => {
    const store = new MapStore();
    let finished = false;
    const app = new StateGraph<{ v?: number }>({ channels: {} })
      .addNode(
        "slow",
        async (_s, ctx) => {
          await ctx.step("late", async () => {
            await new Promise((resolve) => setTimeout(resolve, 200));
            finished = true;
            return 1;
          });
          return {};
        },
        { timeoutMs: 20 },
      )
      .addEdge(START, "slow")
      .compile({ checkpoint: { store } });
    await expect(app.invoke({}, { executionId: "late" })).rejects.toBeInstanceOf(NodeError);
    const before = (await store.list("late")).map((cp) => cp.nodeName);
    for (let i = 0; i < 100 && !finished; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(finished).toBe(true);
    expect((await store.list("late")).map((cp) => cp.nodeName)).toEqual(before);
  });

  it("records nothing when fn fails because its attempt was stopped (a timeout): the retry calls fn again", async () => {
    const store = new MapStore();
    let calls = 0;
    const app = new StateGraph<{ v?: number }>({ channels: {} })
      .addNode(
        "n",
        async (_s, ctx) => ({
          v: await ctx.step("fetch", ({ signal }) => {
            calls++;
            if (calls > 1) return 7;
            return new Promise<number>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
          }),
        }),
        { timeoutMs: 30, retry: { maxAttempts: 2, initialDelayMs: 1 } },
      )
      .addEdge(START, "n")
      .compile({ checkpoint: { store } });
    expect((await app.invoke({}, { executionId: "stopped" })).state.v).toBe(7);
    expect(calls).toBe(2);
  });

  it("rejects a call without a name or a function", async () => {
    const app = new StateGraph<{ v?: number }>({ channels: {} })
      .addNode("n", async (_s, ctx) => {
        await ctx.step("", () => 1);
        return {};
      })
      .addEdge(START, "n")
      .compile();
    const error = await app.invoke({}).catch((e: unknown) => e);
    expect((error as NodeError).cause).toMatchObject({ code: "LG_INVALID_ARGUMENT" });
  });
});

describe("a run under a lost lease", () => {
  it("sends no save after the store refused one for the lease, and rejects with LeaseLostError", async () => {
    const inner = new MapStore();
    const saves: string[] = [];
    const lost = { on: false };
    const store = Object.assign(
      forwardStore(inner, {
        save: async (cp, options) => {
          saves.push(cp.nodeName);
          if (lost.on && options?.lease !== undefined) throw new LeaseLostError(cp.executionId);
          return inner.save(cp, options);
        },
      }),
      { registry: {} as ExecutionRegistry },
    );
    const app = new StateGraph<{ v?: number }>({ channels: {} })
      .addNode("n", async (_s, ctx) => {
        lost.on = true; // taken over while the node ran
        await ctx.step("effect", () => 1);
        return { v: 1 };
      })
      .addEdge(START, "n")
      .compile({ checkpoint: { store } });
    const lease = { executionId: "zombie", token: "t1" };
    const error = await app.invoke({}, { executionId: "zombie", lease }).catch((e: unknown) => e);
    expect(isLgError(error, "LG_LEASE_LOST") || isLgError((error as NodeError).cause, "LG_LEASE_LOST")).toBe(true);
    expect(saves).toEqual(["__input__", EFFECT_NODE]);
  });
});

describe("a subgraph under a worker's lease", () => {
  it("saves its checkpoints under the parent's lease", async () => {
    const inner = new MapStore();
    const leases = new Map<string, string | undefined>();
    const store = Object.assign(
      forwardStore(inner, {
        save: async (cp, options) => {
          leases.set(cp.executionId, options?.lease?.executionId);
          return inner.save(cp, options);
        },
      }),
      { registry: {} as ExecutionRegistry },
    );
    const child = new StateGraph<{ v?: number }>({ channels: {} })
      .addNode("c", () => ({ v: 1 }))
      .addEdge(START, "c")
      .compile();
    const app = new StateGraph<{ v?: number }>({ channels: {} })
      .addNode("sub", child)
      .addEdge(START, "sub")
      .compile({ checkpoint: { store } });
    await app.invoke({}, { executionId: "parent", lease: { executionId: "parent", token: "t" } });
    const childIds = [...leases.keys()].filter((id) => id.startsWith("parent::"));
    expect(childIds.length).toBeGreaterThan(0);
    for (const id of childIds) expect(leases.get(id)).toBe("parent");
    expect(leases.get("parent")).toBe("parent");
  });

  it("refuses a lease on another execution than the run's or its parent's", async () => {
    const store = Object.assign(new MapStore(), { registry: {} as ExecutionRegistry });
    const app = new StateGraph<{ v?: number }>({ channels: {} })
      .addNode("n", () => ({}))
      .addEdge(START, "n")
      .compile({ checkpoint: { store } });
    const error = await app
      .invoke({}, { executionId: "mine", lease: { executionId: "other", token: "t" } })
      .catch((e: unknown) => e);
    expect(isLgError(error, "LG_INVALID_ARGUMENT")).toBe(true);
  });
});
