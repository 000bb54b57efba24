import { END, InvalidGraphError, NodeError, START, StateGraph } from "../src/index.js";
import { MapStore } from "./support/map-store.js";

type S = { calls: number; done?: boolean };

function flaky(failures: number, options: Parameters<StateGraph<S>["addNode"]>[2], compileRetry?: object) {
  const seen = { attempts: [] as number[] };
  const store = new MapStore();
  const app = new StateGraph<S>({ channels: { calls: { default: () => 0 } } })
    .addNode(
      "call",
      (state, ctx) => {
        seen.attempts.push(ctx.attempt);
        if (ctx.attempt <= failures) throw new Error(`flaky API (attempt ${ctx.attempt})`);
        return { done: true };
      },
      options,
    )
    .addEdge(START, "call")
    .addEdge("call", END)
    .compile({ checkpoint: { store }, ...(compileRetry === undefined ? {} : { retry: compileRetry }) });
  return { app, store, seen };
}

describe("retry policies", () => {
  it("a node that fails twice succeeds on its third attempt; the attempts are recorded in the step's checkpoint", async () => {
    const { app, store, seen } = flaky(2, { retry: { maxAttempts: 3, initialDelayMs: 1, jitter: false } });
    const done = await app.invoke({}, { executionId: "r" });
    expect(done.state.done).toBe(true);
    expect(seen.attempts).toEqual([1, 2, 3]);
    const step = (await store.list("r")).find((cp) => cp.nodeName === "call");
    expect(step?.metadata.attempts).toEqual({ call: 3 });
    expect((await app.getStateHistory("r"))[0]?.metadata.attempts).toEqual({ call: 3 });
  });

  it("gives up after maxAttempts with a NodeError that carries the attempts", async () => {
    const { app, seen } = flaky(5, { retry: { maxAttempts: 3, initialDelayMs: 1 } });
    const error = await app.invoke({}, { executionId: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).attempts).toBe(3);
    expect((error as NodeError).message).toContain("after 3 attempts");
    expect(((error as NodeError).cause as Error).message).toBe("flaky API (attempt 3)");
    expect(seen.attempts).toEqual([1, 2, 3]);
  });

  it("retryOn decides which errors are retried", async () => {
    const { app, seen } = flaky(2, {
      retry: { maxAttempts: 5, initialDelayMs: 1, retryOn: (_e, attempt) => attempt < 2 },
    });
    await expect(app.invoke({}, { executionId: "o" })).rejects.toMatchObject({ code: "LG_NODE_FAILED", attempts: 2 });
    expect(seen.attempts).toEqual([1, 2]);
  });

  it("the graph's retry applies to nodes without their own; a node's own policy wins", async () => {
    const graphWide = flaky(1, {}, { maxAttempts: 2, initialDelayMs: 1 });
    expect((await graphWide.app.invoke({}, { executionId: "g" })).state.done).toBe(true);
    const own = flaky(1, { retry: { maxAttempts: 1 } }, { maxAttempts: 5, initialDelayMs: 1 });
    await expect(own.app.invoke({}, { executionId: "n" })).rejects.toMatchObject({ attempts: 1 });
  });

  it("waits with exponential backoff between attempts", async () => {
    const { app } = flaky(2, { retry: { maxAttempts: 3, initialDelayMs: 40, backoffFactor: 2, jitter: false } });
    const started = Date.now();
    await app.invoke({}, { executionId: "b" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(40 + 80 - 5);
  });

  it("refuses malformed policies when the graph is built", () => {
    const node = () => ({});
    expect(() => new StateGraph<S>().addNode("a", node, { retry: { maxAttempts: 0 } })).toThrow(InvalidGraphError);
    expect(() => new StateGraph<S>().addNode("a", node, { retry: { backoffFactor: 0.5 } })).toThrow(/backoffFactor/);
    expect(() => new StateGraph<S>().addNode("a", node, { timeoutMs: -1 })).toThrow(/timeoutMs/);
    expect(() =>
      new StateGraph<S>()
        .addNode("a", node)
        .addEdge(START, "a")
        .compile({ retry: { retryOn: "yes" as never } }),
    ).toThrow(/retryOn/);
  });
});
