import {
  concurrencySpec,
  lifecycleSpec,
  registrySpec,
  runCheckpointStoreSpec,
  type SpecOptions,
  type TestRunner,
} from "../src/index.js";
import { CollectingRunner, type CollectedResult } from "./fixtures/collecting-runner.js";
import { MapStore } from "./fixtures/map-store.js";

async function runLifecycleAndConcurrency(options: Omit<SpecOptions<MapStore>, "runner">, runner?: CollectingRunner) {
  const collecting = runner ?? new CollectingRunner();
  const full: SpecOptions<MapStore> = { ...options, runner: collecting.runner };
  collecting.runner.describe("caps", () => {
    lifecycleSpec(full);
    concurrencySpec(full);
  });
  return collecting.run();
}

function byTitle(results: CollectedResult[], fragment: string): CollectedResult {
  const found = results.filter((r) => r.title.includes(fragment));
  expect(found).toHaveLength(1);
  return found[0] as CollectedResult;
}

describe("capabilities", () => {
  it("skips capability checks the store lacks, naming the capability in the title", async () => {
    const results = await runLifecycleAndConcurrency({ name: "plain", createStore: () => new MapStore() });
    const skipped = results.filter((r) => r.status === "skipped").map((r) => r.title);
    expect(skipped).toEqual([
      "caps › lifecycle › a store pointed at nothing rejects with StoreUnavailableError, in time, without the password (skipped: no unavailable hook given)",
      "caps › lifecycle › data survives close and a new instance (skipped: store lacks persistent)",
      "caps › lifecycle › checkpoints expire after the time to live (skipped: store lacks ttl)",
      "caps › concurrency › two store instances racing: exactly one wins (skipped: store lacks multiProcess)",
    ]);
    expect(results.filter((r) => r.status === "failed")).toEqual([]);
  });

  it("runs them, and they pass, when the store declares the capabilities", async () => {
    const results = await runLifecycleAndConcurrency({
      name: "capable",
      createStore: () => new MapStore({ rows: new Map() }),
      openSameLocation: (store) => new MapStore({ rows: store.rows }),
      capabilities: { ttl: true },
      ttl: { createStore: () => new MapStore({ ttlMs: 100 }), expiresWithinMs: 100 },
    });
    // the map store cannot be pointed at nothing, so only the unavailable check (a hook, not a capability) skips
    expect(results.filter((r) => r.status !== "passed" && !r.title.includes("no unavailable hook"))).toEqual([]);
    expect(byTitle(results, "checkpoints expire after the time to live").status).toBe("passed");
  });

  it("fails a declared capability whose hook is missing, saying what to pass", async () => {
    const results = await runLifecycleAndConcurrency({
      name: "no hooks",
      createStore: () => new MapStore({ rows: new Map() }),
    });
    const persistent = byTitle(results, "data survives close and a new instance");
    expect(persistent.status).toBe("failed");
    expect(persistent.error?.message).toContain("needs the openSameLocation option");
  });

  it("with an async createStore, fails when the store declares a capability the spec was not told about", async () => {
    const results = await runLifecycleAndConcurrency({
      name: "async",
      createStore: async () => new MapStore({ rows: new Map() }),
    });
    const guard = byTitle(results, "the store's declared capabilities are the ones the spec runs with");
    expect(guard.status).toBe("failed");
    expect(guard.error?.message).toContain(
      "pass capabilities: { nativePrune: true, taskResults: true, persistent: true, multiProcess: true }",
    );
    const passing = await runLifecycleAndConcurrency({
      name: "async, declared",
      createStore: async () => new MapStore({ rows: new Map() }),
      openSameLocation: (store) => new MapStore({ rows: store.rows }),
      capabilities: { nativePrune: true, taskResults: true, persistent: true, multiProcess: true },
    });
    expect(byTitle(passing, "the store's declared capabilities").status).toBe("passed");
    expect(byTitle(passing, "two store instances racing").status).toBe("passed");
  });

  it("setting a capability to false turns its checks off explicitly", async () => {
    const results = await runLifecycleAndConcurrency({
      name: "opt out",
      createStore: () => new MapStore({ rows: new Map() }),
      capabilities: { persistent: false, multiProcess: false },
    });
    expect(results.filter((r) => r.status === "skipped" && r.title.includes("store lacks"))).toHaveLength(3);
    expect(results.filter((r) => r.status === "failed")).toEqual([]);
  });

  it("without it.skip, a missing capability becomes a test that checks the store really lacks it", async () => {
    const collecting = new CollectingRunner();
    const noSkip: TestRunner = {
      ...collecting.runner,
      it: (name, fn, timeout) => collecting.runner.it(name, fn, timeout),
    };
    const results: CollectedResult[] = [];
    const options: SpecOptions<MapStore> = { name: "no skip", createStore: () => new MapStore(), runner: noSkip };
    noSkip.describe("caps", () => lifecycleSpec(options));
    results.push(...(await collecting.run()));
    const ttl = byTitle(results, "(skipped: store lacks ttl)");
    expect(ttl.status).toBe("passed");
  });

  it("creates one probe store per question asked at registration and disposes of each", async () => {
    let created = 0;
    let destroyed = 0;
    const collecting = new CollectingRunner();
    runCheckpointStoreSpec({
      name: "counted",
      createStore: () => {
        created++;
        return new MapStore();
      },
      destroyStore: async (store) => {
        destroyed++;
        await store.close();
      },
      runner: collecting.runner,
    });
    const results = await collecting.run();
    expect(results.filter((r) => r.status === "failed").map((r) => `${r.title}: ${r.error?.message}`)).toEqual([]);
    const ran = results.filter((r) => r.status === "passed").length;
    // A store per test that ran, plus the probes that read the capabilities and whether the store has a registry.
    expect(created).toBe(ran + 2);
    expect(destroyed).toBe(created);
  });
  it("disposes of the probe store before any test runs, so a run that filters out every test leaves nothing open", async () => {
    for (const async of [false, true]) {
      const events: string[] = [];
      const collecting = new CollectingRunner();
      runCheckpointStoreSpec({
        name: async ? "probe, async" : "probe",
        createStore: () => {
          events.push("create");
          const store = new MapStore();
          return async ? Promise.resolve(store) : store;
        },
        destroyStore: async (store) => {
          events.push("destroy");
          await store.close();
        },
        capabilities: { ttl: false },
        runner: collecting.runner,
      });
      // No test has run (as under `jest -t` matching none of them, when afterAll hooks are skipped too).
      await new Promise((resolve) => setImmediate(resolve));
      // The probes that read the capabilities and whether the store has a registry, each disposed of.
      expect(events.sort()).toEqual(["create", "create", "destroy", "destroy"]);
    }
  });

  it("creates no probe store when every capability is declared", async () => {
    let created = 0;
    const collecting = new CollectingRunner();
    runCheckpointStoreSpec({
      name: "declared",
      createStore: () => {
        created++;
        return new MapStore();
      },
      capabilities: {
        ttl: false,
        nativePrune: false,
        persistent: false,
        multiProcess: false,
        taskResults: true,
        batchSave: false,
        incremental: false,
        serializedList: false,
        serializedSave: false,
        headerList: false,
      },
      registry: false,
      runner: collecting.runner,
    });
    expect(created).toBe(0);
    const results = await collecting.run();
    expect(results.filter((r) => r.status === "failed").map((r) => `${r.title}: ${r.error?.message}`)).toEqual([]);
    expect(created).toBe(results.filter((r) => r.status === "passed").length);
  });

  it("reports every registry check of a store without a registry as skipped, never passed", async () => {
    for (const options of [
      { name: "probed", createStore: () => new MapStore() },
      { name: "declared", createStore: async () => new MapStore(), registry: false },
    ]) {
      const collecting = new CollectingRunner();
      collecting.runner.describe("reg", () => registrySpec({ ...options, runner: collecting.runner }));
      const results = await collecting.run();
      expect(results.length).toBeGreaterThan(30);
      expect(results.filter((r) => r.status !== "skipped")).toEqual([]);
      expect(results.filter((r) => !r.title.includes("(needs registry)"))).toEqual([]);
    }
  });

  it("without it.skip, each registry check of a store without one checks that it still has none", async () => {
    const collecting = new CollectingRunner();
    const noSkip: TestRunner = {
      ...collecting.runner,
      it: (name, fn, timeout) => collecting.runner.it(name, fn, timeout),
    };
    noSkip.describe("reg", () => registrySpec({ name: "no skip", createStore: () => new MapStore(), runner: noSkip }));
    const results = await collecting.run();
    expect(results.length).toBeGreaterThan(30);
    expect(results.filter((r) => r.status !== "passed" || !r.title.includes("(needs registry)"))).toEqual([]);
  });

  it("with an async createStore and every capability declared, a store without a registry fails the checks", async () => {
    const collecting = new CollectingRunner();
    collecting.runner.describe("reg", () =>
      registrySpec({
        name: "undeclared",
        createStore: async () => new MapStore(),
        capabilities: {
          ttl: false,
          nativePrune: false,
          persistent: false,
          multiProcess: false,
          taskResults: false,
          batchSave: false,
          incremental: false,
          serializedList: false,
          serializedSave: false,
          headerList: false,
        },
        runner: collecting.runner,
      }),
    );
    const results = await collecting.run();
    const enqueue = byTitle(results, "a new execution is created queued");
    expect(enqueue.status).toBe("failed");
    expect(enqueue.error?.message).toContain("pass registry: false");
  });
});
