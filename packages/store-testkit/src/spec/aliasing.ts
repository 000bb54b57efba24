import type { Checkpoint, CheckpointStore } from "@lg/core";
import { copyCheckpoint, createTestCheckpoint, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { expectCheckpoint, expectTrue, nth } from "./expect.js";
import type { SpecOptions } from "./options.js";

type Rich = { user: { name: string; tags: string[] }; seen: Map<string, number>; ids: Set<number>; bytes: Uint8Array };

function richCheckpoint(): Checkpoint<Rich> {
  return createTestCheckpoint<Rich>({
    executionId: uniqueId("alias"),
    state: {
      user: { name: "ada", tags: ["x"] },
      seen: new Map([["a", 1]]),
      ids: new Set([1]),
      bytes: new Uint8Array([1, 2]),
    },
    metadata: { source: "loop", step: 1, extra: { deep: ["keep"] } },
    next: ["b"],
  });
}

/** Mutates every mutable part of a checkpoint in place: nested objects, arrays, Map, Set, bytes, Date. */
function vandalize(cp: Checkpoint): void {
  const state = cp.state as Rich;
  state.user.name = "mallory";
  state.user.tags.push("injected");
  state.seen.set("b", 2);
  state.ids.add(99);
  state.bytes[0] = 255;
  (cp.metadata.extra as { deep: string[] }).deep.push("injected");
  cp.metadata.step = 999;
  cp.next.push("evil");
  cp.timestamp.setTime(0);
  cp.nodeName = "renamed";
}

/**
 * No aliasing: the store keeps no reference to what `save` received and hands out fresh objects from `load`,
 * `latest` and `list`, so mutating any of them (nested state, Map, Set, bytes, metadata, `next`, the Date)
 * changes nothing stored; two loads return distinct objects.
 */
export function aliasingSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("aliasing", () => {
    ctx.test("mutating the saved object afterwards changes nothing stored", async (store) => {
      const cp = richCheckpoint();
      const pristine = copyCheckpoint(cp);
      await store.save(cp);
      vandalize(cp);
      expectCheckpoint(await store.load(pristine.id), pristine, "the store must have copied the checkpoint on save");
    });

    const readers: {
      name: string;
      read: (store: CheckpointStore, cp: Checkpoint) => Promise<Checkpoint | undefined>;
    }[] = [
      { name: "load", read: (store, cp) => store.load(cp.id) },
      { name: "latest", read: (store, cp) => store.latest(cp.executionId) },
      { name: "list", read: async (store, cp) => nth(await store.list(cp.executionId), 0) },
    ];
    for (const { name, read } of readers) {
      ctx.test(`mutating what ${name} returned changes nothing stored`, async (store) => {
        const cp = richCheckpoint();
        const pristine = copyCheckpoint(cp);
        await store.save(cp);
        const first = await read(store, pristine);
        expectTrue(first !== undefined, `${name} must find the saved checkpoint`);
        vandalize(first);
        expectCheckpoint(await read(store, pristine), pristine, `${name} must return a copy, not the stored object`);
      });
    }

    ctx.test("two loads return distinct objects", async (store) => {
      const cp = richCheckpoint();
      await store.save(cp);
      const a = await store.load(cp.id);
      const b = await store.load(cp.id);
      expectTrue(a !== undefined && b !== undefined, "both loads must find the checkpoint");
      expectTrue(a !== b, "two loads returned the same object");
      expectTrue(a.state !== b.state, "two loads returned the same state object");
      expectTrue(a.state !== cp.state && a.metadata !== cp.metadata, "load returned the object given to save");
    });
  });
}
