import { type Checkpoint, type CheckpointStore, type ListOptions, type SerializedCheckpoint } from "@lg/core";
import { deserializeCheckpoint } from "@lg/core/store";
import { createCheckpointChain, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { expectCheckpoint, expectEqual, expectTrue, nth } from "./expect.js";
import type { SpecOptions } from "./options.js";

/** The store's `listSerialized`; fails the check when a store declaring `serializedList` has none. */
function listSerializedOf(
  store: CheckpointStore,
): (executionId: string, options?: ListOptions) => Promise<SerializedCheckpoint[]> {
  const listSerialized = store.listSerialized;
  expectTrue(
    typeof listSerialized === "function",
    "a store that declares serializedList must have a listSerialized method",
  );
  return (executionId, options) => listSerialized.call(store, executionId, options);
}

// Values every store must keep, including what JSONB and SQLite text need care with.
function awkwardState(version: number): unknown {
  return {
    version,
    when: new Date(Date.UTC(2026, 1, version)),
    counts: new Map<unknown, unknown>([
      ["n", BigInt(version)],
      [1, new Set(["a"])],
    ]),
    numbers: [-0, Number.NaN, Number.POSITIVE_INFINITY, 1e21, 0.1],
    text: `nul \u0000 lone \ud800 quote " backslash \\ emoji 😀`,
    $lg: "a user key that looks like a tag",
    nested: { $lg: "pgjson", v: "not a wrapper" },
    missing: undefined,
  };
}

const OPTION_CASES: readonly ListOptions[] = [
  {},
  { order: "desc" },
  { limit: 2 },
  { afterVersion: 2 },
  { beforeVersion: 4, order: "desc", limit: 1 },
];

/**
 * `listSerialized` (capability `serializedList`): for the same options it hands out the checkpoints `list` returns,
 * in the same order, each as text that `deserializeCheckpoint` turns into exactly that checkpoint (dates, maps,
 * big integers, NUL and lone surrogates, keys named like the serializer's tag included); an unknown execution yields
 * `[]`.
 */
export function listSerializedSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("listSerialized", () => {
    ctx.testNeeding(
      "serializedList",
      "hands out list's checkpoints as text that deserializes to them",
      async (store) => {
        const chain = createCheckpointChain(uniqueId("serialized"), 5, awkwardState);
        nth(chain, 4).tasks = {
          nodes: { a: { writes: [["x", new Date(0)]] } },
          interrupts: [],
        } as unknown as Checkpoint["tasks"];
        for (const cp of chain) await store.save(cp);
        const executionId = nth(chain, 0).executionId;
        const listSerialized = listSerializedOf(store);
        for (const listOptions of OPTION_CASES) {
          const what = `listSerialized(${JSON.stringify(listOptions)})`;
          const listed = await store.list(executionId, listOptions);
          const serialized = await listSerialized(executionId, listOptions);
          expectEqual(
            serialized.map((s) => [s.id, s.version]),
            listed.map((cp) => [cp.id, cp.version]),
            `${what} must hand out list's checkpoints in its order`,
          );
          serialized.forEach((s, i) =>
            expectCheckpoint(deserializeCheckpoint(s.text, s.id), nth(listed, i), `${what} text of ${s.id}`),
          );
        }
      },
    );

    ctx.testNeeding("serializedList", "an unknown execution yields []", async (store) => {
      expectEqual(
        await listSerializedOf(store)(uniqueId("serialized-none")),
        [],
        "listSerialized of an unknown execution",
      );
    });
  });
}
