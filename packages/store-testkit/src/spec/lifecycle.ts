import { StoreClosedError, type CheckpointStore, type StoreCapabilities, type StoreStats } from "@lg/core";
import { createCheckpointChain, createTestCheckpoint, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { expectCheckpoint, expectErrorIs, expectResolves, expectTrue, fail } from "./expect.js";
import type { SpecOptions } from "./options.js";
import { checkUnavailableStore } from "./unavailable.js";

const CLOSED = { type: StoreClosedError, code: "LG_STORE_CLOSED" } as const;

function checkStatsShape(stats: StoreStats, when: string): void {
  expectTrue(
    Number.isSafeInteger(stats?.checkpoints) && Number.isSafeInteger(stats?.executions),
    `stats() ${when} must report integer checkpoints and executions, got ${JSON.stringify(stats)}`,
  );
  if (stats.bytes !== undefined) {
    expectTrue(Number.isFinite(stats.bytes) && stats.bytes >= 0, `stats().bytes must be a non-negative number`);
  }
}

/** Every method called on a closed store, each of which must reject with `StoreClosedError`. */
const AFTER_CLOSE: { name: string; run: (store: CheckpointStore) => Promise<unknown> }[] = [
  { name: "save", run: (s) => s.save(createTestCheckpoint({ executionId: uniqueId("closed") })) },
  { name: "load", run: (s) => s.load(uniqueId("closed")) },
  { name: "list", run: (s) => s.list(uniqueId("closed")) },
  { name: "latest", run: (s) => s.latest(uniqueId("closed")) },
  { name: "delete", run: (s) => s.delete(uniqueId("closed")) },
  { name: "clear", run: (s) => s.clear(uniqueId("closed")) },
  { name: "listExecutions", run: (s) => s.listExecutions() },
  { name: "ping", run: (s) => s.ping() },
  { name: "stats", run: (s) => s.stats() },
];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Lifecycle: `ping` resolves; `stats` counts checkpoints and executions exactly (before/after deltas) and
 * reports bytes, when it does, as a non-negative number; after `close` every method rejects with
 * `StoreClosedError` and a second `close` is harmless; the store's declared capabilities are the ones the spec
 * runs with; with the `unavailable` hook, a store pointed at nothing rejects every call with `StoreUnavailableError`
 * in time and without the password. By capability: `persistent` data survives close and reopen; `ttl` checkpoints expire in time.
 */
export function lifecycleSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("lifecycle", () => {
    const registered = ctx.capabilities();

    ctx.test("ping resolves", async (store) => {
      await expectResolves(store.ping(), "ping() on an open store");
    });

    ctx.test("stats counts checkpoints and executions", async (store) => {
      const before = await store.stats();
      checkStatsShape(before, "before saving");
      const a = uniqueId("stats");
      for (const cp of [...createCheckpointChain(a, 2), createTestCheckpoint({ executionId: uniqueId("stats") })]) {
        await store.save(cp);
      }
      const after = await store.stats();
      checkStatsShape(after, "after saving");
      expectTrue(
        after.checkpoints - before.checkpoints === 3 && after.executions - before.executions === 2,
        `after saving 3 checkpoints in 2 new executions, stats() must grow by 3 and 2; it went from ` +
          `${JSON.stringify(before)} to ${JSON.stringify(after)}`,
      );
      await store.clear(a);
      const cleared = await store.stats();
      expectTrue(
        cleared.checkpoints - before.checkpoints === 1 && cleared.executions - before.executions === 1,
        `after clearing one execution, stats() must drop by its 2 checkpoints; got ${JSON.stringify(cleared)}`,
      );
    });

    ctx.test("after close every method rejects with StoreClosedError", async (store) => {
      await store.close();
      const wrong: string[] = [];
      for (const { name, run } of AFTER_CLOSE) {
        try {
          await run(store);
          wrong.push(`${name} resolved`);
        } catch (error) {
          try {
            expectErrorIs(error, CLOSED, name);
          } catch (mismatch) {
            wrong.push((mismatch as Error).message);
          }
        }
      }
      if (wrong.length > 0)
        fail(`after close(), every method must reject with StoreClosedError:\n  ${wrong.join("\n  ")}`);
    });

    ctx.test("close twice is harmless", async (store) => {
      await store.close();
      await expectResolves(store.close(), "a second close()");
    });

    ctx.test("the store's declared capabilities are the ones the spec runs with", async (store) => {
      const declared: StoreCapabilities = store.capabilities ?? {};
      const missing = (Object.keys(declared) as (keyof StoreCapabilities)[]).filter(
        (name) => declared[name] === true && registered[name] !== true && options.capabilities?.[name] !== false,
      );
      expectTrue(
        missing.length === 0,
        `the store declares ${missing.join(", ")} but the spec was registered without it (createStore is async, so ` +
          `capabilities are read from the option): pass capabilities: { ${missing.map((m) => `${m}: true`).join(", ")} }`,
      );
    });

    ctx.testWithHook(
      "unavailable",
      "a store pointed at nothing rejects with StoreUnavailableError, in time, without the password",
      async () => {
        const hook = options.unavailable;
        if (hook === undefined) fail("the unreachable-backend check needs the unavailable option");
        await checkUnavailableStore(hook, (store) => store.close());
      },
    );

    ctx.testNeeding("persistent", "data survives close and a new instance", async (store) => {
      const open = options.openSameLocation;
      if (open === undefined) fail("the persistent check needs the openSameLocation option");
      const cp = createTestCheckpoint({ executionId: uniqueId("persist"), state: { kept: new Date(5) } });
      await store.save(cp);
      await store.close();
      const reopened = await open(store);
      try {
        expectCheckpoint(await reopened.load(cp.id), cp, "a new instance on the same location must load it");
        expectCheckpoint(await reopened.latest(cp.executionId), cp, "and find it as latest");
      } finally {
        await reopened.close();
      }
    });

    ctx.testNeeding("ttl", "checkpoints expire after the time to live", async () => {
      const ttl = options.ttl;
      if (ttl === undefined) fail("a store declaring ttl needs the ttl option ({ createStore, expiresWithinMs })");
      const store = await ttl.createStore();
      try {
        const cp = createTestCheckpoint({ executionId: uniqueId("ttl") });
        await store.save(cp);
        expectCheckpoint(await store.load(cp.id), cp, "a checkpoint must be readable right after save");
        const deadline = Date.now() + ttl.expiresWithinMs + 1000;
        while ((await store.load(cp.id)) !== undefined && Date.now() < deadline) await sleep(50);
        expectTrue(
          (await store.load(cp.id)) === undefined,
          `load must yield undefined after ${ttl.expiresWithinMs} ms`,
        );
        expectTrue((await store.latest(cp.executionId)) === undefined, "latest must yield undefined once expired");
        expectTrue((await store.list(cp.executionId)).length === 0, "list must be empty once expired");
      } finally {
        await ctx.destroy(store);
      }
    });
  });
}
