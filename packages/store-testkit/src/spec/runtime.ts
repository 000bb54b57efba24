import {
  appendReducer,
  Command,
  CheckpointConflictError,
  END,
  interrupt,
  START,
  StateGraph,
  type Checkpoint,
  type CheckpointStore,
  type CompileOptions,
  forwardStore,
} from "@lg/core";
import { uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { expectEqual, expectErrorIs, expectTrue, nth } from "./expect.js";
import type { SpecOptions } from "./options.js";

/** State of the review graph: the steps taken and the human's answer. */
interface ReviewState {
  steps: string[];
  answer?: string;
}

/** draft → ask (a human answers through `interrupt`) → finish. */
/**
 * Gives each of `parties` workers its own view of `store` whose `latest` resolves only once every worker has read
 * it, so all of them continue from the same version whatever the backend's connection timing: the race is certain.
 */
function workersReadingTogether(store: CheckpointStore, parties: number): CheckpointStore[] {
  let arrived = 0;
  let release: () => void = () => undefined;
  const everyoneRead = new Promise<void>((resolve) => (release = resolve));
  return Array.from({ length: parties }, () =>
    forwardStore(store, {
      latest: async (executionId) => {
        const cp = await store.latest(executionId);
        if (++arrived === parties) release();
        await everyoneRead;
        return cp;
      },
    }),
  );
}

function reviewGraph(store: CheckpointStore, extra: Omit<CompileOptions, "checkpoint"> = {}, maxCheckpoints?: number) {
  const checkpoint = maxCheckpoints === undefined ? { store } : { store, maxCheckpoints };
  return new StateGraph<ReviewState>({ channels: { steps: { reducer: appendReducer, default: () => [] }, answer: {} } })
    .addNode("draft", () => ({ steps: ["draft"] }))
    .addNode("ask", () => ({ answer: interrupt<string>("approve?"), steps: ["ask"] }))
    .addNode("finish", (state) => ({ steps: [`finish:${state.answer ?? ""}`] }))
    .addEdge(START, "draft")
    .addEdge("draft", "ask")
    .addEdge("ask", "finish")
    .addEdge("finish", END)
    .compile({ ...extra, checkpoint });
}

/** Checks that versions strictly increase and are unique, and that every parentId names a stored checkpoint. */
function expectSoundHistory(history: readonly Checkpoint[], what: string): void {
  const ids = new Set(history.map((cp) => cp.id));
  for (let i = 1; i < history.length; i++) {
    const prev = nth(history, i - 1);
    const cur = nth(history, i);
    expectTrue(cur.version > prev.version, `${what}: versions must strictly increase, got ${prev.version} then ${cur.version}`);
  }
  for (const cp of history) {
    if (cp.parentId !== undefined) {
      expectTrue(ids.has(cp.parentId), `${what}: version ${cp.version} has parentId ${cp.parentId}, which is not stored`);
    }
  }
}

/**
 * The runtime end to end on the store: a run writes a parent-linked chain with versions 1, 2, 3 …; `interrupt`
 * pauses and a `Command({ resume })` continues with the human's value, also from a second app instance (a
 * restart); a fork from an earlier checkpoint continues with versions above every existing one, `parentId`
 * pointing at the fork point and the old branch intact; two workers resuming at once → one conflict;
 * `maxCheckpoints` prunes through the store.
 */
export function runtimeSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("runtime end to end", () => {
    ctx.test("a run writes a parent-linked chain with versions 1, 2, 3 …", async (store) => {
      const executionId = uniqueId("run");
      const app = new StateGraph<{ steps: string[] }>({ channels: { steps: { reducer: appendReducer, default: () => [] } } })
        .addNode("a", () => ({ steps: ["a"] }))
        .addNode("b", () => ({ steps: ["b"] }))
        .addEdge(START, "a")
        .addEdge("a", "b")
        .addEdge("b", END)
        .compile({ checkpoint: { store } });
      const result = await app.invoke({}, { executionId });
      expectTrue(result.status === "done", `the run must finish, got status ${result.status}`);
      const history = await store.list(executionId);
      expectEqual(
        history.map((cp) => cp.version),
        history.map((_, i) => i + 1),
        "the run's checkpoints must have versions 1, 2, 3 … in list order",
      );
      history.forEach((cp, i) => {
        const expectedParent = i === 0 ? undefined : nth(history, i - 1).id;
        expectTrue(cp.parentId === expectedParent, `version ${cp.version} must have the previous checkpoint as parentId`);
      });
      const last = nth(history, history.length - 1);
      expectEqual(last.state, { steps: ["a", "b"] }, "the last checkpoint must hold the final state");
      expectEqual(last.next, [], "the last checkpoint of a finished run has next []");
      expectTrue(result.checkpointId === last.id, "the run result must name the last checkpoint");
    });

    ctx.test("interrupt pauses and a resume continues with the human's value", async (store) => {
      const executionId = uniqueId("hitl");
      const app = reviewGraph(store);
      const paused = await app.invoke({}, { executionId });
      expectTrue(paused.status === "interrupted", `the run must pause at interrupt, got ${paused.status}`);
      expectEqual(paused.interrupts.map((i) => i.value), ["approve?"], "the interrupt must carry the question");
      expectEqual((await store.latest(executionId))?.next, ["ask"], "the paused checkpoint must resume at ask");
      const done = await app.invoke(new Command({ resume: "yes" }), { executionId });
      expectTrue(done.status === "done", `the resumed run must finish, got ${done.status}`);
      expectEqual(done.state, { steps: ["draft", "ask", "finish:yes"], answer: "yes" }, "state after resume");
      expectSoundHistory(await store.list(executionId), "after interrupt and resume");
    });

    ctx.test("a second app instance resumes what the first paused (a restart)", async (store) => {
      const executionId = uniqueId("restart");
      await reviewGraph(store).invoke({}, { executionId });
      const done = await reviewGraph(store).invoke(new Command({ resume: "later" }), { executionId });
      expectEqual(done.state.answer, "later", "the restarted app must resume from the stored checkpoint");
    });

    ctx.test("a fork continues from an earlier checkpoint with new versions and parent lineage", async (store) => {
      const executionId = uniqueId("fork");
      const app = reviewGraph(store);
      await app.invoke({}, { executionId });
      await app.invoke(new Command({ resume: "yes" }), { executionId });
      const before = await store.list(executionId);
      const forkPoint = before.find((cp) => cp.nodeName === "draft");
      expectTrue(forkPoint !== undefined, "the history must hold the checkpoint written after draft");
      const maxBefore = nth(before, before.length - 1).version;
      const paused = await app.invoke(null, { executionId, checkpointId: forkPoint.id });
      expectTrue(paused.status === "interrupted", "the fork must run ask again and pause there");
      const done = await app.invoke(new Command({ resume: "no" }), { executionId });
      expectEqual(done.state, { steps: ["draft", "ask", "finish:no"], answer: "no" }, "the fork's final state");
      const after = await store.list(executionId);
      expectSoundHistory(after, "after the fork");
      const added = after.filter((cp) => cp.version > maxBefore);
      expectTrue(added.length >= 2, `the fork must add checkpoints above version ${maxBefore}, added ${added.length}`);
      expectTrue(
        nth(added, 0).parentId === forkPoint.id && nth(added, 0).version === maxBefore + 1,
        `the fork's first checkpoint must be version ${maxBefore + 1} with parentId ${forkPoint.id}`,
      );
      for (const old of before) {
        expectEqual(await store.load(old.id), old, `the old branch's version ${old.version} must stay unchanged`);
      }
    });

    ctx.test("two workers resuming one execution at once: one advances, one conflicts", async (store) => {
      const executionId = uniqueId("workers");
      await reviewGraph(store).invoke({}, { executionId });
      const [first, second] = workersReadingTogether(store, 2) as [CheckpointStore, CheckpointStore];
      const results = await Promise.allSettled([
        reviewGraph(first).invoke(new Command({ resume: "first" }), { executionId }),
        reviewGraph(second).invoke(new Command({ resume: "second" }), { executionId }),
      ]);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expectTrue(rejected.length === 1, `exactly one worker must lose the race, ${rejected.length} did`);
      expectErrorIs(nth(rejected, 0).reason, { type: CheckpointConflictError, code: "LG_CHECKPOINT_CONFLICT" }, "the loser");
      expectSoundHistory(await store.list(executionId), "after the race");
    });

    ctx.test("maxCheckpoints keeps each execution pruned through the store", async (store) => {
      const executionId = uniqueId("max");
      const app = reviewGraph(store, {}, 2);
      await app.invoke({}, { executionId });
      await app.invoke(new Command({ resume: "ok" }), { executionId });
      const history = await store.list(executionId);
      const versions = history.map((cp) => cp.version);
      // The run that resumed from version 3 protects it while it lasts; everything older must be gone.
      expectTrue(
        versions.every((v) => v >= 3) && history.length <= 3,
        `maxCheckpoints 2 must prune versions 1 and 2 through the store, found versions [${versions.join(", ")}]`,
      );
      expectEqual(nth(history, history.length - 1).next, [], "the newest (finished) checkpoint must be kept");
    });
  });
}
