import {
  Command,
  createWorker,
  isLgError,
  submit,
  waitFor,
  type CheckpointStore,
  type ExecutionRegistry,
  type Worker,
  type WorkerOptions,
} from "@lg/core";
import { uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { expectEqual, expectTrue, fail } from "./expect.js";
import type { RegistrySpecInput } from "./registry-options.js";
import { registryTestsOf } from "./registry-support.js";
import { chainGraph, EffectCounter, nestedGraph, type ChainState, type NestedState } from "./worker-graphs.js";

/** Worker settings of the spec: short polls so tests are quick, leases long enough for a busy machine. */
function startWorker(options: WorkerOptions): Worker {
  return createWorker({ pollMs: 50, leaseMs: 5_000, stopOnSignals: false, onError: () => undefined, ...options });
}

/** Stops every worker, then checks nothing is left running. */
async function stopAll(workers: readonly Worker[]): Promise<void> {
  await Promise.all(workers.map((worker) => worker.stop()));
}

async function expectContiguous(store: CheckpointStore, executionId: string): Promise<void> {
  const versions = (await store.list(executionId)).map((cp) => cp.version);
  expectEqual(
    versions,
    versions.map((_, i) => i + 1),
    `the versions of ${executionId} must be 1..N without gaps`,
  );
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return fail("expected a rejection");
}

async function statusOf(registry: ExecutionRegistry, executionId: string): Promise<string | undefined> {
  return (await registry.get(executionId))?.status;
}

/**
 * Workers on the store (`createWorker`, `submit`, `waitFor`, `context.step`): a submitted execution runs and its
 * result is waited for; submissions are idempotent and a busy execution refuses new input; a pause is answered through
 * a submission; several workers (also on a second instance with `openSameLocation`) finish many executions with
 * every effect once and versions without gaps; a failed run is reported; a crashed worker's execution is taken over
 * after its lease and the old lease commits nothing; `stop` hands executions back after their step; a subgraph runs
 * under the worker's lease; a worker claims
 * only the graph versions it serves. Skipped, "(needs registry)", for a store without a registry.
 */
export function workerSpec<S extends CheckpointStore>(options: RegistrySpecInput<S>): void {
  const ctx = contextOf(options);
  ctx.suite("workers", () => {
    const tests = registryTestsOf(ctx, options);
    tests.known();

    tests.test("a submitted execution runs on a worker and waitFor returns its result", async (store, registry) => {
      const effects = new EffectCounter();
      const graph = chainGraph(store, { name: "chain", length: 3 }, effects);
      const executionId = uniqueId("w-run");
      const worker = startWorker({ graphs: [graph] });
      try {
        const submitted = await submit(graph, {}, { executionId });
        expectEqual(submitted.outcome, "created", "a first submission creates the record");
        const result = await waitFor<ChainState>(graph, executionId, { timeoutMs: 20_000, pollMs: 50 });
        expectEqual(result.status, "done", "the execution finishes");
        expectEqual(result.state.done, ["n1", "n2", "n3"], "every node ran once, in order");
        expectEqual(await statusOf(registry, executionId), "done", "the registry says done");
        expectEqual(effects.repeated(), [], "every effect ran once");
        await expectContiguous(store, executionId);
      } finally {
        await stopAll([worker]);
      }
    });

    tests.test("submit is idempotent for the same input and refuses other input while queued", async (store) => {
      const graph = chainGraph(store, { name: "idle", length: 1 }, new EffectCounter());
      const executionId = uniqueId("w-idem");
      const first = await submit(graph, { done: [] }, { executionId });
      const again = await submit(graph, { done: [] }, { executionId });
      expectEqual(
        [first.outcome, again.outcome],
        ["created", "existing"],
        "the same input again is the same submission",
      );
      const error = await errorOf(submit(graph, { done: ["other"] }, { executionId }));
      expectTrue(isLgError(error, "LG_EXECUTION_BUSY"), "other input while queued is ExecutionBusyError");
      const keyed = await submit(graph, { done: ["other"] }, { executionId: uniqueId("w-key"), key: "request-1" });
      const keyedAgain = await submit(graph, { done: ["x"] }, { executionId: keyed.executionId, key: "request-1" });
      expectEqual(keyedAgain.outcome, "existing", "a caller's key makes the submission");
    });

    tests.test("a pause is answered through submit(Command) and every effect runs once", async (store, registry) => {
      const effects = new EffectCounter();
      const graph = chainGraph(store, { name: "ask", length: 3, ask: true }, effects);
      const executionId = uniqueId("w-ask");
      const worker = startWorker({ graphs: [graph] });
      try {
        await submit(graph, {}, { executionId });
        const paused = await waitFor<ChainState>(graph, executionId, { timeoutMs: 20_000, pollMs: 50 });
        expectEqual(paused.status, "interrupted", "the run pauses for the human");
        expectEqual(paused.interrupts[0]?.value, "go on?", "the pause carries its question");
        expectEqual(await statusOf(registry, executionId), "paused", "the registry says paused");
        await submit(graph, new Command({ resume: "yes" }), { executionId });
        const done = await waitFor<ChainState>(graph, executionId, { timeoutMs: 20_000, pollMs: 50 });
        expectEqual(done.status, "done", "the answered execution finishes");
        expectEqual(done.state.answer, "yes", "the node got the answer");
        expectEqual(effects.repeated(), [], "the effect before the pause did not run again");
      } finally {
        await stopAll([worker]);
      }
    });

    tests.testShared(
      "several workers, also on a second instance, finish every execution with each effect once",
      async (store, _registry, other) => {
        const effects = new EffectCounter();
        const mine = chainGraph(store, { name: "fleet", length: 4 }, effects);
        const theirs = chainGraph(other, { name: "fleet", length: 4 }, effects);
        const workers = [
          startWorker({ graphs: [mine], concurrency: 3 }),
          startWorker({ graphs: [mine], concurrency: 3 }),
          startWorker({ graphs: [theirs], concurrency: 3 }),
        ];
        try {
          const ids = Array.from({ length: 12 }, (_, i) => uniqueId(`w-fleet-${i}`));
          for (const executionId of ids) await submit(mine, {}, { executionId });
          for (const executionId of ids) {
            const result = await waitFor<ChainState>(mine, executionId, { timeoutMs: 30_000, pollMs: 50 });
            expectEqual(result.state.done, ["n1", "n2", "n3", "n4"], `${executionId} ran every node once`);
            await expectContiguous(store, executionId);
          }
          expectEqual(effects.repeated(), [], "no effect ran twice");
          expectEqual(effects.counts.size, 12 * 4, "every effect ran");
        } finally {
          await stopAll(workers);
        }
      },
    );

    tests.test("a failed run ends failed with its error and waitFor says so", async (store, registry) => {
      const graph = chainGraph(store, { name: "fails", length: 2, failAt: "n2" }, new EffectCounter());
      const executionId = uniqueId("w-fail");
      const worker = startWorker({ graphs: [graph] });
      try {
        await submit(graph, {}, { executionId });
        const error = await errorOf(waitFor(graph, executionId, { timeoutMs: 20_000, pollMs: 50 }));
        expectTrue(isLgError(error, "LG_EXECUTION_FAILED"), "waitFor rejects with ExecutionFailedError");
        const record = await registry.get(executionId);
        expectEqual(record?.status, "failed", "the registry says failed");
        expectTrue((record?.error ?? "").includes("node n2 refuses"), "the record keeps the error");
      } finally {
        await stopAll([worker]);
      }
    });

    tests.test(
      "an execution whose worker died is taken over after its lease; the dead lease commits nothing",
      async (store, registry) => {
        const effects = new EffectCounter();
        const graph = chainGraph(store, { name: "takeover", length: 2 }, effects);
        const executionId = uniqueId("w-dead");
        await submit(graph, {}, { executionId });
        // A worker that claims and dies at once: its lease is never renewed.
        const [dead] = await registry.claim({
          owner: "dead",
          graphs: [{ name: "takeover", version: "1" }],
          limit: 1,
          leaseMs: 300,
        });
        if (dead === undefined) fail("the submitted execution must be claimable");
        const worker = startWorker({ graphs: [graph] });
        try {
          const result = await waitFor<ChainState>(graph, executionId, { timeoutMs: 20_000, pollMs: 50 });
          expectEqual(result.state.done, ["n1", "n2"], "the other worker finished it");
          const record = await registry.get(executionId);
          expectTrue((record?.attempts ?? 0) >= 2, "the takeover is a second claim");
          const stale = await errorOf(graph.invoke({}, { executionId, lease: { executionId, token: dead.token } }));
          expectTrue(isLgError(stale, "LG_LEASE_LOST"), "a run under the dead lease is refused with LeaseLostError");
          await expectContiguous(store, executionId);
          expectEqual((await store.latest(executionId))?.state, result.state, "the refused run stored nothing");
        } finally {
          await stopAll([worker]);
        }
      },
    );

    tests.test("stop lets the step under way finish and hands the execution back", async (store, registry) => {
      const effects = new EffectCounter();
      let entered: () => void = () => undefined;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      let leave: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (leave = resolve));
      const held = chainGraph(store, { name: "handover", length: 3 }, effects, {
        before: async (node) => {
          if (node !== "n2") return;
          entered();
          await gate;
        },
      });
      const free = chainGraph(store, { name: "handover", length: 3 }, effects);
      const executionId = uniqueId("w-stop");
      const first = startWorker({ graphs: [held] });
      let second: Worker | undefined;
      try {
        await submit(held, {}, { executionId });
        await inside;
        const stopping = first.stop();
        leave();
        await stopping;
        expectEqual(await statusOf(registry, executionId), "queued", "the stopped worker handed the execution back");
        const latest = await store.latest(executionId);
        expectEqual((latest?.state as ChainState).done, ["n1", "n2"], "the step under way was committed");
        second = startWorker({ graphs: [free] });
        const result = await waitFor<ChainState>(free, executionId, { timeoutMs: 20_000, pollMs: 50 });
        expectEqual(result.state.done, ["n1", "n2", "n3"], "another worker finished it without repeating a node");
        expectEqual(effects.repeated(), [], "no effect ran twice");
      } finally {
        leave();
        await stopAll(second === undefined ? [first] : [first, second]);
      }
    });

    tests.test(
      "a subgraph node runs under the worker's lease, its saves fenced by the parent's record",
      async (store) => {
        const effects = new EffectCounter();
        const graph = nestedGraph(store, effects);
        const executionId = uniqueId("w-nested");
        const worker = startWorker({ graphs: [graph] });
        try {
          await submit(graph, { topic: "pricing" }, { executionId });
          const result = await waitFor<NestedState>(graph, executionId, { timeoutMs: 20_000, pollMs: 50 });
          expectEqual(result.state.report, "notes on pricing", "the subgraph ran to its end under the lease");
          expectEqual(effects.repeated(), [], "its effect ran once");
        } finally {
          await stopAll([worker]);
        }
      },
    );

    tests.test("a worker claims only the graph versions it serves", async (store, registry) => {
      const effects = new EffectCounter();
      const v1 = chainGraph(store, { name: "versioned", version: "1", length: 1 }, effects);
      const v2 = chainGraph(store, { name: "versioned", version: "2", length: 1 }, effects);
      const old = uniqueId("w-v1");
      const fresh = uniqueId("w-v2");
      const worker = startWorker({ graphs: [v2] });
      try {
        await submit(v1, {}, { executionId: old });
        await submit(v2, {}, { executionId: fresh });
        await waitFor(v2, fresh, { timeoutMs: 20_000, pollMs: 50 });
        // Several polls of the worker go by (it polls every 50 ms) without it touching the version 1 execution.
        await new Promise((resolve) => setTimeout(resolve, 400));
        const record = await registry.get(old);
        expectEqual([record?.status, record?.attempts], ["queued", 0], "the version 1 execution was never claimed");
        expectEqual(record?.graphVersion, "1", "it keeps the version it started on");
      } finally {
        await stopAll([worker]);
      }
    });
  });
}
