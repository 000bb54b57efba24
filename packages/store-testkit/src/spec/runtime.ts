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
} from "@lg/core";
import { forwardStore } from "@lg/core/store";
import { uniqueId } from "../fixtures.js";
import { contextOf, type SpecContext } from "./context.js";
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
    expectTrue(
      cur.version > prev.version,
      `${what}: versions must strictly increase, got ${prev.version} then ${cur.version}`,
    );
  }
  for (const cp of history) {
    if (cp.parentId !== undefined) {
      expectTrue(
        ids.has(cp.parentId),
        `${what}: version ${cp.version} has parentId ${cp.parentId}, which is not stored`,
      );
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
      const app = new StateGraph<{ steps: string[] }>({
        channels: { steps: { reducer: appendReducer, default: () => [] } },
      })
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
        expectTrue(
          cp.parentId === expectedParent,
          `version ${cp.version} must have the previous checkpoint as parentId`,
        );
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
      expectEqual(
        paused.interrupts.map((i) => i.value),
        ["approve?"],
        "the interrupt must carry the question",
      );
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
      expectErrorIs(
        nth(rejected, 0).reason,
        { type: CheckpointConflictError, code: "LG_CHECKPOINT_CONFLICT" },
        "the loser",
      );
      expectSoundHistory(await store.list(executionId), "after the race");
    });

    ctx.test("maxCheckpoints keeps each execution pruned through the store", async (store) => {
      const executionId = uniqueId("max");
      const app = reviewGraph(store, {}, 2);
      await app.invoke({}, { executionId });
      await app.invoke(new Command({ resume: "ok" }), { executionId });
      const history = await store.list(executionId);
      const versions = history.map((cp) => cp.version);
      // The run that resumed from version 3 protects it while it lasts; once it ends, the newest 2 are left.
      expectEqual(versions, [4, 5], "maxCheckpoints 2 must leave exactly the newest 2 versions once the run has ended");
      expectEqual(nth(history, history.length - 1).next, [], "the newest (finished) checkpoint must be kept");
    });
  });
  exactProgressSpec(ctx);
}

/** State of the fan-out graph: a log every node appends to, and the human's answer. */
interface FanState {
  log: string[];
  plan?: string;
}

/** start → (mail, ask, charge) in one step: `mail` finishes, `ask` pauses for a human, `charge` fails while `failures.left > 0`. */
function fanOutGraph(store: CheckpointStore, calls: Record<string, number>, failures: { left: number }) {
  const count = (node: string): void => {
    calls[node] = (calls[node] ?? 0) + 1;
  };
  return new StateGraph<FanState>({ channels: { log: { reducer: appendReducer, default: () => [] }, plan: {} } })
    .addNode("start", () => ({ log: ["start"] }))
    .addNode("mail", () => (count("mail"), { log: ["mail"] }))
    .addNode("ask", () => (count("ask"), { plan: interrupt<string>("which plan?"), log: ["ask"] }))
    .addNode("charge", () => {
      count("charge");
      if (failures.left-- > 0) throw new Error("card service down");
      return { log: ["charge"] };
    })
    .addEdge(START, "start")
    .addEdge("start", "mail")
    .addEdge("start", "ask")
    .addEdge("start", "charge")
    .addEdge("mail", END)
    .compile({ checkpoint: { store } });
}

/** A counter that loops until `limit`, with `maxCheckpoints`. */
function counterGraph(store: CheckpointStore, limit: number, maxCheckpoints: number) {
  return new StateGraph<{ n: number }>({ channels: { n: { default: () => 0 } } })
    .addNode("count", (state) => ({ n: state.n + 1 }))
    .addEdge(START, "count")
    .addConditionalEdges("count", (state) => (state.n >= limit ? END : "count"))
    .compile({ checkpoint: { store, maxCheckpoints }, recursionLimit: limit + 5 });
}

/** `store`, except that saves after the first `saves` fail as if the process had died there. */
function dyingAfter(store: CheckpointStore, saves: number): CheckpointStore {
  let done = 0;
  return forwardStore(store, {
    save: async (cp) => {
      if (++done > saves) throw new Error("the process died here");
      await store.save(cp);
    },
  });
}

/**
 * Exact progress through the store: a committed step is never reported as failed or applied twice, task results
 * (finished siblings' writes, pauses) survive a failing node, and retention leaves what it promises.
 */
function exactProgressSpec<S extends CheckpointStore>(ctx: SpecContext<S>): void {
  ctx.suite("runtime: exact progress", () => {
    ctx.test(
      "a failing prune after a committed save is reported, not a failed step: the input is applied once",
      async (store) => {
        const executionId = uniqueId("retention");
        const failingPrune = forwardStore(store, {
          prune: async () => {
            throw new Error("prune timed out");
          },
        });
        const app = new StateGraph<{ msgs: string[] }>({
          channels: { msgs: { reducer: appendReducer, default: () => [] } },
        })
          .addNode("reply", () => ({ msgs: ["ok"] }))
          .addEdge(START, "reply")
          .compile({ checkpoint: { store: failingPrune, maxCheckpoints: 1 } });
        await app.invoke({ msgs: ["hi"] }, { executionId });
        const result = await app.invoke({ msgs: ["pay $10"] }, { executionId });
        expectEqual(
          result.state.msgs,
          ["hi", "ok", "pay $10", "ok"],
          "the run must finish with its input applied once",
        );
        expectTrue(
          result.retention?.errors[0]?.code === "LG_RETENTION_FAILED",
          "the failed prune must be reported in result.retention",
        );
        expectEqual(
          (await store.latest(executionId))?.state,
          { msgs: ["hi", "ok", "pay $10", "ok"] },
          "the stored state",
        );
      },
    );

    ctx.test("retrying a Command whose resumed node failed applies its update once", async (store) => {
      const executionId = uniqueId("command-retry");
      const failures = { left: 1 };
      const app = new StateGraph<{ notes: string[]; ok?: boolean }>({
        channels: { notes: { reducer: appendReducer, default: () => [] } },
      })
        .addNode("approve", () => {
          const ok = interrupt<boolean>("approve?");
          if (failures.left-- > 0) throw new Error("mail server down");
          return { ok };
        })
        .addEdge(START, "approve")
        .compile({ checkpoint: { store } });
      await app.invoke({}, { executionId });
      const command = new Command<{ notes: string[] }>({ update: { notes: ["LGTM"] }, resume: true });
      await app.invoke(command, { executionId }).then(
        () => expectTrue(false, "the first attempt must fail in the node"),
        (error: unknown) =>
          expectTrue((error as { code?: string }).code === "LG_NODE_FAILED", "the first attempt fails in the node"),
      );
      const done = await app.invoke(command, { executionId });
      expectEqual(done.state, { notes: ["LGTM"], ok: true }, "the retried command's update must be applied once");
    });

    ctx.test(
      "a node failing in a parallel step keeps its siblings' writes and interrupt: only it runs again",
      async (store) => {
        const executionId = uniqueId("fan-out");
        const calls: Record<string, number> = {};
        const app = fanOutGraph(store, calls, { left: 1 });
        await app.invoke({}, { executionId }).then(
          () => expectTrue(false, "the run must fail in charge"),
          (error: unknown) => expectTrue((error as { node?: string }).node === "charge", "the run fails in charge"),
        );
        // Read through the runtime: a store without the taskResults capability keeps them inside the metadata.
        const kept = await app.getState(executionId);
        expectEqual(kept?.tasks?.nodes.mail?.writes, { log: ["mail"] }, "the finished sibling's writes must be stored");
        expectEqual(
          kept?.interrupts,
          [{ node: "ask", when: "inside", value: "which plan?" }],
          "the pause must be stored",
        );
        const done = await fanOutGraph(store, calls, { left: 0 }).invoke(new Command({ resume: "pro" }), {
          executionId,
        });
        expectEqual(done.state, { log: ["start", "mail", "ask", "charge"], plan: "pro" }, "the resumed run's state");
        expectEqual(calls, { mail: 1, ask: 2, charge: 2 }, "mail must not run twice; ask and charge run again");
      },
    );

    ctx.test("after a crash, the resumed run leaves exactly maxCheckpoints", async (store) => {
      const executionId = uniqueId("crash-retention");
      await counterGraph(dyingAfter(store, 4), 10, 3)
        .invoke({}, { executionId })
        .then(
          () => expectTrue(false, "the first run must die at its fifth save"),
          () => undefined,
        );
      const done = await counterGraph(store, 10, 3).invoke(null, { executionId });
      expectEqual(done.state, { n: 10 }, "the resumed run must finish");
      expectEqual(
        (await store.list(executionId)).map((cp) => cp.version),
        [9, 10, 11],
        "exactly the newest 3 versions",
      );
    });
  });
}
