import type { CheckpointStore } from "@lg/core";
import { createCheckpointChain, createTestCheckpoint, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { expectCheckpoint, expectTrue } from "./expect.js";
import type { SpecOptions } from "./options.js";

/**
 * `load`: an unknown id yields `undefined` (not `null`, not an error); the checkpoint with the id is returned
 * among many of the same and of other executions; an id that differs only in case or by a prefix is not found.
 */
export function loadSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("load", () => {
    ctx.test("an unknown id yields undefined", async (store) => {
      const result = await store.load(uniqueId("missing"));
      expectTrue(result === undefined, `load(unknown id) must resolve to undefined, got ${String(result)}`);
    });

    ctx.test("returns the checkpoint with that id among others", async (store) => {
      const chain = createCheckpointChain(uniqueId("load"), 5);
      const other = createTestCheckpoint({ executionId: uniqueId("load-other"), version: 3 });
      for (const cp of chain) await store.save(cp);
      await store.save(other);
      for (const cp of [...chain, other]) {
        expectCheckpoint(await store.load(cp.id), cp, `load(${JSON.stringify(cp.id)}) must return that checkpoint`);
      }
    });

    ctx.test("matches ids exactly (no case folding, no prefix match)", async (store) => {
      const id = `Case-${uniqueId("load")}`;
      const cp = createTestCheckpoint({ executionId: uniqueId("load"), id });
      await store.save(cp);
      for (const near of [id.toLowerCase(), id.toUpperCase(), id.slice(0, -1), `${id} `, `${id}x`]) {
        const found = await store.load(near);
        expectTrue(found === undefined, `load(${JSON.stringify(near)}) must not find ${JSON.stringify(id)}`);
      }
      expectCheckpoint(await store.load(id), cp, "load of the exact id");
    });
  });
}
