import type { Checkpoint } from "@lg/core";
import { LeaseLostError } from "@lg/core";
import { createCheckpointChain } from "@lg/store-testkit";
import { PostgresCheckpointStore } from "../src/index.js";
import { runMigrations } from "../src/migrations.js";
import { resolveOptions } from "../src/options.js";
import { layout4Insert, layout4Params } from "./fixtures/layout-4.js";
import { LAYOUT_5_MIGRATIONS } from "./fixtures/layout-5.js";
import { useServer } from "./helpers.js";

describe("a table written before the execution registry (schema version 5)", () => {
  const server = useServer("lgupreg");

  it("gets the registry from setup(), and its executions are enqueued, claimed, saved under a lease and cleared", async () => {
    const schema = server.freshSchema();
    const o = resolveOptions({ connString: server.url, schema });
    expect(await runMigrations(server.admin, o, LAYOUT_5_MIGRATIONS)).toEqual({ applied: [1, 2, 3, 4, 5] });
    const old = createCheckpointChain("before-registry", 3);
    for (const cp of old) await server.admin.unsafe(layout4Insert(o.qualifiedTable), layout4Params(cp));

    const store = new PostgresCheckpointStore({ connString: server.url, schema });
    try {
      // Before setup() the registry's table is missing: the store says to run setup().
      await expect(store.registry.get("before-registry")).rejects.toThrow(/setup\(\)/);
      expect(await store.setup()).toEqual({ applied: [6] });
      expect(await store.list("before-registry")).toEqual(old);

      const enqueued = await store.registry.enqueue({
        executionId: "before-registry",
        graphName: "chat",
        graphVersion: "1",
        input: "null",
        inputKey: "resume-1",
      });
      expect(enqueued.outcome).toBe("created");
      const [lease] = await store.registry.claim({
        owner: "w",
        graphs: [{ name: "chat", version: "1" }],
        limit: 5,
        leaseMs: 60_000,
      });
      if (lease === undefined) throw new Error("nothing claimed");
      const parent = old[2] as Checkpoint;
      const next: Checkpoint = { ...parent, id: "before-registry#4", version: 4, parentId: parent.id };
      await store.save(next, { lease, changes: { parentId: parent.id, whole: ["counter"], appended: {} } });
      expect((await store.latest("before-registry"))?.id).toBe(next.id);
      await store.registry.release(lease, { status: "done" });
      await expect(store.save({ ...next, id: "late", version: 5 }, { lease })).rejects.toBeInstanceOf(LeaseLostError);
      expect(await store.registry.counts()).toMatchObject({ done: 1, queued: 0, running: 0 });

      await store.clear("before-registry");
      expect(await store.registry.get("before-registry")).toBeUndefined();
      expect(await store.list("before-registry")).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
