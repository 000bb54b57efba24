import {
  CheckpointConflictError,
  CheckpointCorruptError,
  InvalidArgumentError,
  type Checkpoint,
  type CheckpointStore,
  type SerializedCheckpoint,
} from "@lg/core";
import { serializeCheckpoint } from "@lg/core/store";
import { createCheckpointChain, createTestCheckpoint, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import {
  expectCheckpoint,
  expectErrorIs,
  expectRejects,
  expectResolves,
  expectTrue,
  expectVersions,
  nth,
} from "./expect.js";
import type { SpecOptions } from "./options.js";

const CONFLICT = { type: CheckpointConflictError, code: "LG_CHECKPOINT_CONFLICT" } as const;
const CORRUPT = { type: CheckpointCorruptError, code: "LG_CHECKPOINT_CORRUPT" } as const;
const INVALID = { type: InvalidArgumentError, code: "LG_INVALID_ARGUMENT" } as const;

/** The store's `saveSerialized`; fails the check when a store declaring `serializedSave` has none. */
function saveSerializedOf(store: CheckpointStore): (items: readonly SerializedCheckpoint[]) => Promise<void> {
  const saveSerialized = store.saveSerialized;
  expectTrue(
    typeof saveSerialized === "function",
    "a store that declares serializedSave must have a saveSerialized method",
  );
  return (items) => saveSerialized.call(store, items);
}

/** The checkpoint as `saveSerialized` takes it: the text `serializeCheckpoint` writes. */
function itemOf(cp: Checkpoint, text = serializeCheckpoint(cp)): SerializedCheckpoint {
  return { id: cp.id, version: cp.version, text };
}

/** Fails unless the execution holds exactly the versions of `expected`, each loading and listing as given. */
async function expectStored(store: CheckpointStore, expected: readonly Checkpoint[], rule: string): Promise<void> {
  const listed = await store.list(nth(expected, 0).executionId);
  expectVersions(
    listed,
    expected.map((cp) => cp.version),
    rule,
  );
  expected.forEach((cp, i) => expectCheckpoint(listed[i], cp, rule));
  for (const cp of expected) expectCheckpoint(await store.load(cp.id), cp, rule);
}

/** A state of every value the serializer keeps that JSON has not. */
function awkwardState(version: number): Record<string, unknown> {
  return {
    version,
    when: new Date(Date.UTC(2026, 0, version)),
    big: 10n ** 30n + BigInt(version),
    counts: new Map<unknown, unknown>([
      ["n", BigInt(version)],
      [1, new Set(["a"])],
    ]),
    bytes: new Uint8Array([0, 255, version]),
    nested: { gone: undefined, kept: [undefined, null] },
    negativeZero: -0,
    notANumber: Number.NaN,
    infinite: Number.NEGATIVE_INFINITY,
    text: 'quotes " \\ and \u00e9 \u{1f600}',
  };
}

/**
 * `saveSerialized` (capability `serializedSave`): each item's text saves what `saveMany` of the decoded checkpoint
 * saves (awkward values, ids with quotes and Unicode, a text in another key order and spacing); an empty batch writes
 * nothing; a batch saved again is a no-op, and so is `saveMany` of the same checkpoints after it; a conflict (with a
 * stored checkpoint or between two items) rejects with `CheckpointConflictError` naming the first conflicting item
 * and writes nothing; text that is not a checkpoint rejects with `CheckpointCorruptError`, a malformed field with
 * `InvalidArgumentError`, before anything is written.
 */
export function serializedSaveSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("saveSerialized", () => {
    ctx.testNeeding("serializedSave", "saves each text as saveMany saves the decoded checkpoint", async (store) => {
      const chain = createCheckpointChain(uniqueId("serialized"), 4, awkwardState);
      nth(chain, 1).metadata = { source: "loop", step: 2, at: new Date(5), tag: { $lg: "a user key" } };
      nth(chain, 2).tasks = { nodes: { n: [{ value: new Map([["k", 1n]]) }] }, interrupts: [] } as Checkpoint["tasks"];
      await expectResolves(saveSerializedOf(store)(chain.map((cp) => itemOf(cp))), "saveSerialized(four texts)");
      await expectStored(store, chain, "every text saved by saveSerialized must read back as its checkpoint");
      await expectResolves(
        saveSerializedOf(store)(chain.map((cp) => itemOf(cp))),
        "saveSerialized of the same texts again",
      );
      if (typeof store.saveMany === "function") {
        await expectResolves(store.saveMany(chain), "saveMany of the checkpoints saveSerialized saved");
      }
      for (const cp of chain) await expectResolves(store.save(cp), "save of a checkpoint saveSerialized saved");
      await expectStored(store, chain, "a re-save after saveSerialized must be a no-op");
    });

    ctx.testNeeding("serializedSave", "ids with quotes and Unicode, and text in any layout", async (store) => {
      const executionId = uniqueId(`serialized "q" \u00e9\u{1f600} '*%:`);
      const first = createTestCheckpoint({ executionId, version: 1, id: `id "1" \\ \u00e9\u{1f600}` });
      const second = createTestCheckpoint({ executionId, version: 2, parentId: first.id, id: `id '2' \u4e2d` });
      // Keys in reverse order and spaced out, as another tool (or PostgreSQL's JSONB) may write them.
      const entries = Object.entries(JSON.parse(serializeCheckpoint(second)) as Record<string, unknown>).reverse();
      const spaced = JSON.stringify(Object.fromEntries(entries), null, 2);
      await expectResolves(
        saveSerializedOf(store)([itemOf(first), itemOf(second, spaced)]),
        "saveSerialized with odd ids, one text spaced out",
      );
      await expectStored(store, [first, second], "odd ids and any JSON layout must round-trip");
    });

    ctx.testNeeding("serializedSave", "an empty batch resolves and writes nothing", async (store) => {
      await expectResolves(saveSerializedOf(store)([]), "saveSerialized([])");
      const probe = createTestCheckpoint({ executionId: uniqueId("serialized") });
      expectTrue((await store.load(probe.id)) === undefined, "an empty batch must write nothing");
    });

    ctx.testNeeding(
      "serializedSave",
      "a conflict rejects naming the first conflicting item, and writes nothing",
      async (store) => {
        const chain = createCheckpointChain(uniqueId("serialized"), 4);
        const stored = nth(chain, 3);
        await store.save(stored);
        const rivals = [1, 3].map((i) =>
          createTestCheckpoint({ executionId: stored.executionId, version: nth(chain, i).version, nodeName: "rival" }),
        );
        await store.save(nth(chain, 1));
        const batch = [nth(chain, 0), nth(rivals, 0), nth(chain, 2), nth(rivals, 1)].map((cp) => itemOf(cp));
        const error = (await expectRejects(
          saveSerializedOf(store)(batch),
          CONFLICT,
          "saveSerialized with items at taken versions",
        )) as CheckpointConflictError;
        expectTrue(
          error.version === nth(chain, 1).version,
          `the conflict must name the first conflicting item (v${nth(chain, 1).version}), got v${String(error.version)}`,
        );
        await expectStored(store, [nth(chain, 1), stored], "a batch that conflicts must write none of its items");
      },
    );

    ctx.testNeeding("serializedSave", "two items at one version with different content conflict", async (store) => {
      const executionId = uniqueId("serialized");
      const batch = [
        createTestCheckpoint({ executionId, version: 1 }),
        createTestCheckpoint({ executionId, version: 1, nodeName: "rival" }),
      ];
      await expectRejects(
        saveSerializedOf(store)(batch.map((cp) => itemOf(cp))),
        CONFLICT,
        "saveSerialized with two texts at version 1",
      );
      expectVersions(await store.list(executionId), [], "a batch that conflicts with itself must write nothing");
    });

    ctx.testNeeding(
      "serializedSave",
      "text that is not a checkpoint rejects before anything is written",
      async (store) => {
        const chain = createCheckpointChain(uniqueId("serialized"), 3);
        const executionId = nth(chain, 0).executionId;
        const good = chain.slice(0, 2).map((cp) => itemOf(cp));
        const last = nth(chain, 2);
        const encoded = JSON.parse(serializeCheckpoint(last)) as Record<string, unknown>;
        const broken: [string, string, typeof CORRUPT | typeof INVALID][] = [
          ["not JSON", serializeCheckpoint(last).slice(0, -3), CORRUPT],
          ["a bad value tag", JSON.stringify({ ...encoded, state: { big: { $lg: "bigint", v: "abc" } } }), CORRUPT],
          [
            "a bad tag deep down",
            JSON.stringify({ ...encoded, state: { m: { $lg: "map", v: [["k", { $lg: "map", v: 5 }]] } } }),
            CORRUPT,
          ],
          [
            "an unknown value tag",
            JSON.stringify({ ...encoded, state: { x: { $lg: "no-such-type", v: 1 } } }),
            CORRUPT,
          ],
          ["version 0", JSON.stringify({ ...encoded, version: 0 }), CORRUPT],
          ["metadata an array", JSON.stringify({ ...encoded, metadata: [] }), CORRUPT],
          ["next not an array", JSON.stringify({ ...encoded, next: "n" }), CORRUPT],
          ["tasks without interrupts", JSON.stringify({ ...encoded, tasks: { nodes: {} } }), CORRUPT],
          ["an empty execution id", JSON.stringify({ ...encoded, executionId: "" }), INVALID],
          ["a timestamp no Date holds", JSON.stringify({ ...encoded, timestamp: 9e15 }), INVALID],
        ];
        // The conflict of the first item is outranked by the invalid last one, as saveMany validates every item first.
        await store.save(createTestCheckpoint({ executionId, version: 1, nodeName: "rival" }));
        for (const [what, text, expected] of broken) {
          const items = [...good, { id: last.id, version: last.version, text }];
          let rejection: unknown;
          await saveSerializedOf(store)(items).catch((error: unknown) => {
            rejection = error;
          });
          expectErrorIs(rejection, expected, `saveSerialized with ${what} in its last item`);
          expectVersions(await store.list(executionId), [1], `a batch with ${what} must write nothing`);
        }
      },
    );
  });
}
