import { appendReducer, Command, END, interrupt, send, START, StateGraph, type CheckpointStore } from "@lg/core";
import { uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { expectEqual, expectTrue } from "./expect.js";
import type { SpecOptions } from "./options.js";

/** Rejects with the error the promise failed with, or fails the check when it resolved. */
async function failure(
  promise: Promise<unknown>,
  what: string,
): Promise<{ code?: string; node?: string; attempts?: number }> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error as { code?: string },
  );
  expectTrue(outcome !== undefined, `${what} must fail`);
  return outcome;
}

type Docs = { docs: string[]; summaries: string[] };

/** plan → one `summarize` per document (sent) → END; `fail` decides which documents fail this time. */
function mapReduce(store: CheckpointStore, calls: string[], fail: (doc: string) => boolean) {
  return new StateGraph<Docs>({ channels: { summaries: { reducer: appendReducer, default: () => [] } } })
    .addNode("plan", () => ({}))
    .addNode("summarize", (input) => {
      const { doc } = input as unknown as { doc: string };
      calls.push(doc);
      if (fail(doc)) throw new Error(`rate limited on ${doc}`);
      return { summaries: [doc.toUpperCase()] };
    })
    .addEdge(START, "plan")
    .addConditionalEdges("plan", (s) => s.docs.map((doc) => send("summarize", { doc })))
    .compile({ checkpoint: { store } });
}

type Research = { topic: string; notes: string[]; ok?: string };
type Report = { topic: string; report?: string };

/** A parent whose `research` node is a subgraph that asks a human. */
function withSubgraph(store: CheckpointStore, calls: string[]) {
  const research = new StateGraph<Research>({ channels: { notes: { reducer: appendReducer, default: () => [] } } })
    .addNode("search", (s) => (calls.push("search"), { notes: [`found ${s.topic}`] }))
    .addNode("ask", () => ({ ok: interrupt<string>("keep these notes?") }))
    .addEdge(START, "search")
    .addEdge("search", "ask")
    .addEdge("ask", END)
    .compile();
  return new StateGraph<Report>()
    .addNode("research", research, { output: (r) => ({ report: `${r.notes.join(", ")} (${r.ok ?? ""})` }) })
    .addEdge(START, "research")
    .compile({ checkpoint: { store } });
}

/**
 * The agent runtime through the store: a crash in the middle of a fan-out re-runs only the sends that did not
 * finish; an interrupt inside a subgraph is answered from another app instance; a retry policy succeeds on the third
 * attempt and the attempts are stored; a node timeout fails the run; a cancellation between steps stops it and a
 * resume finishes it.
 */
export function agentRuntimeSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("runtime: agents", () => {
    ctx.test("a send failing in a fan-out keeps its finished siblings: a resume re-runs only it", async (store) => {
      const executionId = uniqueId("fan-out");
      const calls: string[] = [];
      const first = await failure(
        mapReduce(store, calls, (doc) => doc === "b").invoke({ docs: ["a", "b", "c"] }, { executionId }),
        "the run",
      );
      expectEqual(first.node, "summarize#1", "the failing send is named by its label");
      const done = await mapReduce(store, calls, () => false).invoke(null, { executionId });
      expectEqual(done.state.summaries, ["A", "B", "C"], "the summaries merge in send order");
      expectEqual(calls, ["a", "b", "c", "b"], "only the failed send runs again");
    });

    ctx.test("an interrupt inside a subgraph is answered from another app instance", async (store) => {
      const executionId = uniqueId("subgraph");
      const calls: string[] = [];
      const paused = await withSubgraph(store, calls).invoke({ topic: "pricing" }, { executionId });
      expectEqual(
        paused.interrupts,
        [{ node: "research", when: "inside", value: "keep these notes?" }],
        "the parent pauses",
      );
      const done = await withSubgraph(store, calls).invoke(new Command({ resume: "yes" }), { executionId });
      expectEqual(done.state.report, "found pricing (yes)", "the subgraph continues where it paused");
      expectEqual(calls, ["search"], "the subgraph's finished step does not run again");
    });

    ctx.test("a retry policy succeeds on the third attempt and the attempts are stored", async (store) => {
      const executionId = uniqueId("retry");
      const app = new StateGraph<{ ok?: boolean }>()
        .addNode(
          "call",
          (_s, context) => {
            if (context.attempt < 3) throw new Error(`flaky (attempt ${context.attempt})`);
            return { ok: true };
          },
          { retry: { maxAttempts: 3, initialDelayMs: 1 } },
        )
        .addEdge(START, "call")
        .compile({ checkpoint: { store } });
      const done = await app.invoke({}, { executionId });
      expectEqual(done.state, { ok: true }, "the third attempt succeeds");
      expectEqual((await store.latest(executionId))?.metadata.attempts, { call: 3 }, "the step records the attempts");
    });

    ctx.test("a node past its timeout fails the run; nothing of that step is stored", async (store) => {
      const executionId = uniqueId("timeout");
      const app = new StateGraph<{ n?: number }>()
        .addNode(
          "hang",
          (_s, context) =>
            new Promise<{ n: number }>((resolve) => context.signal.addEventListener("abort", () => resolve({ n: 1 }))),
          {
            timeoutMs: 50,
          },
        )
        .addEdge(START, "hang")
        .compile({ checkpoint: { store } });
      const error = await failure(app.invoke({}, { executionId }), "the run");
      expectEqual(error.code, "LG_NODE_FAILED", "the run fails with NodeError");
      expectEqual(
        (await store.list(executionId)).map((cp) => cp.nodeName),
        ["__input__"],
        "only the input is stored",
      );
    });

    ctx.test("a cancellation between steps stops the run; a resume finishes it", async (store) => {
      const executionId = uniqueId("cancel");
      const controller = new AbortController();
      const app = new StateGraph<{ log: string[] }>({
        channels: { log: { reducer: appendReducer, default: () => [] } },
      })
        .addNode("a", () => ({ log: ["a"] }))
        .addNode("b", () => ({ log: ["b"] }))
        .addEdge(START, "a")
        .addEdge("a", "b")
        .compile({ checkpoint: { store } });
      const stopped = await failure(
        (async () => {
          for await (const event of app.stream({}, { executionId, signal: controller.signal })) {
            if (event.type === "step") controller.abort();
          }
        })(),
        "the cancelled run",
      );
      expectEqual(stopped.code, "LG_RUN_CANCELLED", "the run ends with RunCancelledError");
      expectEqual((await store.latest(executionId))?.next, ["b"], "the completed step is stored");
      const done = await app.invoke(null, { executionId });
      expectEqual(done.state.log, ["a", "b"], "the resume finishes the run");
    });
  });
}
