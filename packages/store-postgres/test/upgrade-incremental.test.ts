import type { Checkpoint, StateChanges } from "@lg/core";
import { serializeCheckpoint } from "@lg/core/store";
import { createCheckpointChain } from "@lg/store-testkit";
import { PostgresCheckpointStore } from "../src/index.js";
import { runMigrations } from "../src/migrations.js";
import { resolveOptions } from "../src/options.js";
import { LAYOUT_4_MIGRATIONS, layout4Insert, layout4Params } from "./fixtures/layout-4.js";
import { useServer } from "./helpers.js";

interface Chat {
  messages: string[];
  turn: number;
}

/** An execution as the layout before incremental checkpoints held it: every state whole, one with task results. */
function layout4Execution(executionId: string): Checkpoint<Chat>[] {
  const chain = createCheckpointChain(executionId, 4, (version) => ({
    messages: Array.from({ length: version }, (_, i) => `message ${i}`),
    turn: version,
  })) as Checkpoint<Chat>[];
  (chain[1] as Checkpoint<Chat>).tasks = {
    nodes: { ask: { resumes: ["yes"] } },
    interrupts: [{ node: "ask", when: "inside", value: { q: new Date(0) } }],
  };
  return chain;
}

describe("a table written before incremental checkpoints (schema version 4)", () => {
  const server = useServer("lgupinc");

  it("is migrated by setup(), reads back every checkpoint, and continues the execution incrementally", async () => {
    const schema = server.freshSchema();
    const o = resolveOptions({ connString: server.url, schema });
    expect(await runMigrations(server.admin, o, LAYOUT_4_MIGRATIONS)).toEqual({ applied: [1, 2, 3, 4] });
    const old = layout4Execution("before-incremental");
    for (const cp of old) await server.admin.unsafe(layout4Insert(o.qualifiedTable), layout4Params(cp));

    const store = new PostgresCheckpointStore({ connString: server.url, schema });
    try {
      expect(await store.setup()).toEqual({ applied: [5, 6] });
      const kinds = await server.admin.unsafe(`SELECT DISTINCT kind, hidden FROM ${o.qualifiedTable}`);
      expect(kinds.map((row) => [row.kind, row.hidden])).toEqual([["full", false]]);

      for (const cp of old) expect(await store.load(cp.id)).toEqual(cp);
      expect(await store.list("before-incremental")).toEqual(old);
      expect(await store.latest("before-incremental")).toEqual(old[3]);
      // JSONB prints keys in its own order: compare the JSON values.
      expect((await store.listSerialized("before-incremental")).map((s) => JSON.parse(s.text) as unknown)).toEqual(
        old.map((cp) => JSON.parse(serializeCheckpoint(cp)) as unknown),
      );
      expect((await store.listHeaders("before-incremental")).map((h) => h.tasks)).toEqual(old.map((cp) => cp.tasks));
      await store.saveMany(old); // an identical import: a no-op

      let parent = old[3] as Checkpoint<Chat>;
      const continued: Checkpoint<Chat>[] = [];
      for (let version = 5; version <= 8; version++) {
        const cp: Checkpoint<Chat> = {
          ...parent,
          id: `before-incremental#${version}`,
          version,
          parentId: parent.id,
          tasks: undefined,
          state: { messages: [...parent.state.messages, `message ${version - 1}`], turn: version },
        };
        const changes: StateChanges = { parentId: parent.id, whole: ["turn"], appended: { messages: 1 } };
        await store.save(cp, { changes });
        continued.push(cp);
        parent = cp;
      }
      const [delta] = await server.admin.unsafe(`SELECT kind, chain_id FROM ${o.qualifiedTable} WHERE id = $1`, [
        parent.id,
      ]);
      expect(delta).toEqual({ kind: "delta", chain_id: "before-incremental#7" });
      expect((await store.latest("before-incremental"))?.state).toEqual(parent.state);
      expect((await store.list("before-incremental")).map((cp) => cp.state)).toEqual(
        [...old, ...continued].map((cp) => cp.state),
      );
      expect(await store.prune("before-incremental", { keepLast: 2 })).toBe(6);
      expect((await store.list("before-incremental")).map((cp) => cp.state)).toEqual(
        continued.slice(-2).map((cp) => cp.state),
      );
    } finally {
      await store.close();
    }
  });
});
