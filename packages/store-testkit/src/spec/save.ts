import { CheckpointConflictError, type Checkpoint, type CheckpointStore } from "@lg/core";
import { copyCheckpoint, createTestCheckpoint, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { expectCheckpoint, expectRejects, expectResolves, expectTrue, expectVersions } from "./expect.js";
import type { SpecOptions } from "./options.js";
import { AWKWARD_INSTANTS, LARGE_VERSIONS } from "./values.js";

const CONFLICT = { type: CheckpointConflictError, code: "LG_CHECKPOINT_CONFLICT" } as const;

/**
 * `save`: every field round-trips through `load`; a checkpoint without a parent loads without one; re-saving
 * identical content is a no-op, also with object keys in another order (arrays stay ordered); a different checkpoint at a taken `(executionId, version)` and the same id with
 * different content are rejected with `CheckpointConflictError` (carrying the execution and version) and leave
 * the stored checkpoint unchanged, also when only one of `nodeName`, `metadata`, `timestamp`, `parentId`, `next`,
 * `state` or `version` differs; the same version in two executions does not conflict; timestamps after 2038 and in
 * a clock-change hour, and versions above 2³¹−1, round-trip exactly.
 */
export function saveSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("save", () => {
    ctx.test("round-trips every field through load", async (store) => {
      const executionId = uniqueId("save");
      const cp = createTestCheckpoint({
        executionId,
        version: 3,
        nodeName: "summarize",
        parentId: uniqueId("parent"),
        next: ["review", "publish"],
        state: { title: "draft", tags: ["a", "b"], count: 2, ok: true, nothing: null },
        metadata: { source: "loop", step: 3, execution_id: executionId, user: { id: 7, roles: ["admin"] } },
        timestamp: new Date(Date.UTC(2025, 5, 30, 23, 59, 58, 987)),
      });
      await expectResolves(store.save(cp), "save(checkpoint)");
      const loaded = await store.load(cp.id);
      expectCheckpoint(loaded, cp, "load(id) must return every field exactly as saved");
      expectTrue(loaded?.timestamp instanceof Date, "load(id).timestamp must be a Date instance");
    });

    ctx.test("a checkpoint without parentId loads without one", async (store) => {
      const cp = createTestCheckpoint({ executionId: uniqueId("save"), version: 1, next: [] });
      await store.save(cp);
      const loaded = await store.load(cp.id);
      expectCheckpoint(loaded, cp, "a first checkpoint (no parentId, next []) must round-trip");
      expectTrue(loaded?.parentId === undefined, `parentId must stay undefined, got ${String(loaded?.parentId)}`);
    });

    ctx.test("re-saving identical content is an idempotent no-op", async (store) => {
      const cp = createTestCheckpoint({ executionId: uniqueId("save"), version: 1 });
      await store.save(cp);
      await expectResolves(store.save(cp), "saving the same checkpoint object again");
      await expectResolves(store.save(copyCheckpoint(cp)), "saving an identical copy of a stored checkpoint");
      expectVersions(await store.list(cp.executionId), [1], "an idempotent re-save must not add a checkpoint");
      expectCheckpoint(await store.load(cp.id), cp, "the re-saved checkpoint must be unchanged");
    });

    ctx.test("re-saving the same content with object keys in another order is a no-op", async (store) => {
      const executionId = uniqueId("save");
      const cp = createTestCheckpoint({
        executionId,
        version: 1,
        state: { a: 1, nested: { x: "x", y: [{ p: 1, q: 2 }] }, list: [1, 2] },
        metadata: { source: "loop", step: 1, execution_id: executionId },
      });
      await store.save(cp);
      // What a checkpoint read back from another backend looks like (PostgreSQL's JSONB reorders keys): a restored
      // backup or a retried copy must save again as a no-op.
      const reordered: Checkpoint = {
        ...cp,
        state: { list: [1, 2], nested: { y: [{ q: 2, p: 1 }], x: "x" }, a: 1 },
        metadata: { execution_id: executionId, step: 1, source: "loop" },
      };
      await expectResolves(
        store.save(reordered),
        "re-saving a stored checkpoint with its object keys in another order",
      );
      const loaded = await store.load(cp.id);
      if (loaded !== undefined) await expectResolves(store.save(loaded), "re-saving a checkpoint as load returned it");
      expectVersions(
        await store.list(executionId),
        [1],
        "a re-save with keys in another order must not add a checkpoint",
      );
      expectCheckpoint(await store.load(cp.id), cp, "the re-saved checkpoint must be unchanged");
      await expectRejects(
        store.save({ ...cp, state: { ...cp.state, list: [2, 1] } }),
        CONFLICT,
        "re-saving a stored id with array items in another order (arrays are ordered: different content)",
      );
    });

    ctx.test("a different checkpoint at a taken (executionId, version) is a conflict", async (store) => {
      const executionId = uniqueId("save");
      const first = createTestCheckpoint({ executionId, version: 2, state: { who: "first" } });
      const second = createTestCheckpoint({ executionId, version: 2, state: { who: "second" } });
      await store.save(first);
      const error = await expectRejects(store.save(second), CONFLICT, "save of a second checkpoint at version 2");
      const conflict = error as CheckpointConflictError;
      expectTrue(
        conflict.executionId === executionId && conflict.version === 2,
        `CheckpointConflictError must name the execution and version, got ${JSON.stringify(conflict.executionId)} / ${String(conflict.version)}`,
      );
      expectCheckpoint(await store.load(first.id), first, "the first checkpoint must stay stored unchanged");
      expectTrue((await store.load(second.id)) === undefined, "the rejected checkpoint must not be stored");
      expectCheckpoint(await store.latest(executionId), first, "latest must still be the first checkpoint");
    });

    ctx.test("the same id re-saved with different content is a conflict", async (store) => {
      const cp = createTestCheckpoint({ executionId: uniqueId("save"), version: 1, state: { v: "original" } });
      await store.save(cp);
      await expectRejects(
        store.save({ ...cp, state: { v: "changed" } }),
        CONFLICT,
        "re-saving a stored id with a different state",
      );
      expectCheckpoint(await store.load(cp.id), cp, "the stored checkpoint must keep its original content");
    });

    ctx.test("the same version in different executions does not conflict", async (store) => {
      const a = createTestCheckpoint({ executionId: uniqueId("save-a"), version: 1 });
      const b = createTestCheckpoint({ executionId: uniqueId("save-b"), version: 1 });
      await store.save(a);
      await expectResolves(store.save(b), "saving version 1 of a second execution");
      expectCheckpoint(await store.load(a.id), a, "execution A's checkpoint");
      expectCheckpoint(await store.load(b.id), b, "execution B's checkpoint");
    });

    ctx.test("the same id re-saved with any one field changed is a conflict", async (store) => {
      const executionId = uniqueId("save");
      const cp = createTestCheckpoint({ executionId, version: 2, parentId: uniqueId("parent") });
      await store.save(cp);
      const { parentId: _parent, ...withoutParent } = cp;
      const changes: [string, Checkpoint][] = [
        ["nodeName", { ...cp, nodeName: "other-node" }],
        ["metadata", { ...cp, metadata: { ...cp.metadata, note: "changed" } }],
        ["timestamp", { ...cp, timestamp: new Date(cp.timestamp.getTime() + 1) }],
        ["parentId (changed)", { ...cp, parentId: uniqueId("other-parent") }],
        ["parentId (removed)", withoutParent],
        ["next", { ...cp, next: [...cp.next, "extra"] }],
        ["state", { ...cp, state: { changed: true } }],
        ["version", { ...cp, version: 3 }],
      ];
      for (const [field, changed] of changes) {
        await expectRejects(store.save(changed), CONFLICT, `re-saving a stored id with a different ${field}`);
      }
      expectCheckpoint(await store.load(cp.id), cp, "the stored checkpoint must keep its original content");
      expectVersions(await store.list(executionId), [2], "no rejected re-save may add a checkpoint");
    });

    ctx.test("timestamps after 2038 and in a clock-change hour round-trip exactly", async (store) => {
      const executionId = uniqueId("save-time");
      const saved = AWKWARD_INSTANTS.map(({ iso }, i) =>
        createTestCheckpoint({ executionId, version: i + 1, timestamp: new Date(iso) }),
      );
      for (const cp of saved) await store.save(cp);
      for (const [i, cp] of saved.entries()) {
        const loaded = await store.load(cp.id);
        expectTrue(
          loaded?.timestamp instanceof Date && loaded.timestamp.getTime() === cp.timestamp.getTime(),
          `the timestamp ${cp.timestamp.toISOString()} (${AWKWARD_INSTANTS[i]?.why}) must load as the same instant, ` +
            `got ${loaded?.timestamp instanceof Date ? loaded.timestamp.toISOString() : String(loaded?.timestamp)}`,
        );
      }
    });

    ctx.test("versions above 2^31 - 1 are stored, ordered and conflict exactly", async (store) => {
      const executionId = uniqueId("save-big");
      const saved = [1, ...LARGE_VERSIONS].map((version) => createTestCheckpoint({ executionId, version }));
      for (const cp of saved) await store.save(cp);
      for (const cp of saved) expectCheckpoint(await store.load(cp.id), cp, `load of version ${cp.version}`);
      expectVersions(
        await store.list(executionId),
        [1, ...LARGE_VERSIONS],
        "list must order large versions numerically",
      );
      expectCheckpoint(
        await store.latest(executionId),
        saved[saved.length - 1] as Checkpoint,
        "latest of large versions",
      );
      const top = LARGE_VERSIONS[LARGE_VERSIONS.length - 1] as number;
      await expectRejects(
        store.save(createTestCheckpoint({ executionId, version: top })),
        CONFLICT,
        `a second checkpoint at version ${top}`,
      );
    });
  });
}
