import { END, NodeTimeoutError, RunCancelledError, START, StateGraph } from "../src/index.js";
import { MapStore } from "./support/map-store.js";

type S = { log: string[] };
const log = { reducer: (a: string[] = [], b: string[] = []) => [...a, ...b], default: () => [] as string[] };

/** Resolves when `signal` aborts (or after `ms`), so a node can stand for a hung call that honours its signal. */
function waitFor(signal: AbortSignal, ms = 60_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}

describe("cancellation and timeouts", () => {
  it("a signal aborted between steps stops the run with RunCancelledError; a resume continues from the last step", async () => {
    const store = new MapStore();
    const controller = new AbortController();
    const ran: string[] = [];
    const app = new StateGraph<S>({ channels: { log } })
      .addNode("a", () => (ran.push("a"), { log: ["a"] }))
      .addNode("b", () => (ran.push("b"), { log: ["b"] }))
      .addEdge(START, "a")
      .addEdge("a", "b")
      .addEdge("b", END)
      .compile({ checkpoint: { store } });
    let error: unknown;
    try {
      for await (const event of app.stream({}, { executionId: "c", signal: controller.signal })) {
        // The step's checkpoint is saved before its event comes: stopping here is between two steps.
        if (event.type === "step") controller.abort(new Error("user pressed stop"));
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunCancelledError);
    expect((error as RunCancelledError).status).toBe("cancelled");
    expect((error as RunCancelledError).message).toContain("user pressed stop");
    const latest = await store.latest("c");
    expect(latest?.next).toEqual(["b"]);
    expect((error as RunCancelledError).checkpointId).toBe(latest?.id);
    const done = await app.invoke(null, { executionId: "c" });
    expect(done.state.log).toEqual(["a", "b"]);
    expect(ran).toEqual(["a", "b"]);
  });

  it("a signal aborted during a step commits no partial step; nodes see it as context.signal", async () => {
    const store = new MapStore();
    const controller = new AbortController();
    let sawAbort = false;
    const app = new StateGraph<S>({ channels: { log } })
      .addNode("quick", () => ({ log: ["quick"] }))
      .addNode("slow", async (_s, ctx) => {
        setTimeout(() => controller.abort(), 20);
        await waitFor(ctx.signal);
        sawAbort = ctx.signal.aborted;
        return { log: ["slow"] };
      })
      .addEdge(START, "quick")
      .addEdge(START, "slow")
      .compile({ checkpoint: { store } });
    await expect(app.invoke({}, { executionId: "d", signal: controller.signal })).rejects.toBeInstanceOf(
      RunCancelledError,
    );
    expect(sawAbort).toBe(true);
    const history = await store.list("d");
    expect(history.map((cp) => cp.nodeName)).toEqual(["__input__"]);
    expect(history[0]?.tasks).toBeUndefined();
  });

  it("an already aborted signal runs nothing", async () => {
    const store = new MapStore();
    const ran: string[] = [];
    const app = new StateGraph<S>({ channels: { log } })
      .addNode("a", () => (ran.push("a"), {}))
      .addEdge(START, "a")
      .compile({ checkpoint: { store } });
    await expect(app.invoke({}, { executionId: "e", signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: "LG_RUN_CANCELLED",
    });
    expect(ran).toEqual([]);
  });

  it("a node past its timeoutMs fails with NodeTimeoutError and its signal is aborted; a retry policy runs it again", async () => {
    const store = new MapStore();
    const aborted: boolean[] = [];
    const app = new StateGraph<S>({ channels: { log } })
      .addNode(
        "hang",
        async (_s, ctx) => {
          if (ctx.attempt === 1) {
            await waitFor(ctx.signal);
            aborted.push(ctx.signal.aborted);
          }
          return { log: [`attempt ${ctx.attempt}`] };
        },
        { timeoutMs: 50, retry: { maxAttempts: 2, initialDelayMs: 1 } },
      )
      .addEdge(START, "hang")
      .compile({ checkpoint: { store } });
    const done = await app.invoke({}, { executionId: "t" });
    expect(done.state.log).toEqual(["attempt 2"]);
    expect(aborted).toEqual([true]);
  });

  it("the graph's nodeTimeoutMs bounds a hung node: the run fails with NodeError caused by NodeTimeoutError", async () => {
    const store = new MapStore();
    const app = new StateGraph<S>({ channels: { log } })
      .addNode("hang", (_s, ctx) => waitFor(ctx.signal).then(() => ({})))
      .addEdge(START, "hang")
      .compile({ checkpoint: { store }, nodeTimeoutMs: 30 });
    const error = await app.invoke({}, { executionId: "h" }).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe("LG_NODE_FAILED");
    expect((error as Error).cause).toBeInstanceOf(NodeTimeoutError);
  });

  it("a consumer that breaks out of a stream aborts the nodes still running", async () => {
    const store = new MapStore();
    let aborted = false;
    const app = new StateGraph<S>({ channels: { log } })
      .addNode("talk", async (_s, ctx) => {
        ctx.emit("token");
        await waitFor(ctx.signal);
        aborted = ctx.signal.aborted;
        return {};
      })
      .addEdge(START, "talk")
      .compile({ checkpoint: { store } });
    for await (const part of app.stream({}, { executionId: "s", streamMode: "custom" })) {
      expect(part.value).toBe("token");
      break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(aborted).toBe(true);
    expect((await store.list("s")).map((cp) => cp.nodeName)).toEqual(["__input__"]);
  });
});
