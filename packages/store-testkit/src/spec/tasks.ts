import { CheckpointConflictError, type Checkpoint, type CheckpointStore, type TaskResults } from "@lg/core";
import { decodeCheckpoint, encodeCheckpoint } from "@lg/core/store";
import { createTestCheckpoint, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import {
  expectCheckpoint,
  expectEqual,
  expectRejects,
  expectResolves,
  expectTrue,
  expectVersions,
  nth,
} from "./expect.js";
import type { SpecOptions } from "./options.js";
import { objectsHolding, recordMentions } from "./raw-record.js";

const CONFLICT = { type: CheckpointConflictError, code: "LG_CHECKPOINT_CONFLICT" } as const;

/** The metadata key the raw check plants, to find the stored metadata whatever the store's layout. */
const METADATA_MARKER_KEY = "tasksSpecMarker";

/** What makes one test's checkpoint its own: strings planted in a write and in the metadata, and the anchor id. */
interface Planted {
  marker: string;
  metadataMarker: string;
  anchorId: string;
}

/**
 * Task results of a paused step, built fresh on every call (so the value a check expects shares nothing with what
 * was saved): two nodes finished with writes holding a Date, a Map, BigInts and nested objects; one paused and was
 * answered three times, once with `undefined`; one failed; pauses of every kind with values; update keys; an anchor.
 */
function taskResults({ marker, anchorId }: Planted): TaskResults {
  return {
    nodes: {
      research: {
        writes: {
          found: new Map<string, unknown>([
            ["pricing", { score: 0.93, at: new Date(Date.UTC(2025, 4, 6, 7, 8, 9, 10)) }],
            ["legal", null],
          ]),
          total: 2n ** 64n + 7n,
          note: marker,
        },
      },
      draft: { writes: { text: "hello", outline: { parts: [{ title: "intro", words: 120 }], tags: ["a", "b"] } } },
      review: { resumes: ["approve", undefined, { edits: ["tone"], at: new Date(Date.UTC(2025, 0, 2)) }] },
      publish: { error: "publish failed: upstream timeout", resumes: [undefined] },
    },
    interrupts: [
      { node: "review", when: "inside", value: { question: "Ship it?", draft: { text: "hello" }, cost: 12n } },
      { node: "publish", when: "before", value: undefined },
      { node: "draft", when: "after", value: null },
    ],
    updateKeys: ["update-1", "update-2"],
    anchorId,
  };
}

function plant(): Planted {
  return {
    marker: uniqueId("tasks-marker"),
    metadataMarker: uniqueId("metadata-marker"),
    anchorId: uniqueId("anchor"),
  };
}

function pausedCheckpoint(planted: Planted): Checkpoint {
  const executionId = uniqueId("tasks");
  return createTestCheckpoint({
    executionId,
    nodeName: "__interrupt__",
    next: ["research", "draft", "review", "publish"],
    metadata: { source: "loop", step: 2, execution_id: executionId, [METADATA_MARKER_KEY]: planted.metadataMarker },
    tasks: taskResults(planted),
  });
}

/** A deep copy through core's codec: fresh objects everywhere, as a checkpoint read back elsewhere would be. */
function freshCopy(cp: Checkpoint): Checkpoint {
  return decodeCheckpoint(encodeCheckpoint(cp));
}

/** A fresh copy of `cp` with other task results, or none. */
function withTasks(cp: Checkpoint, tasks: TaskResults | undefined): Checkpoint {
  const copy = freshCopy(cp);
  if (tasks === undefined) delete copy.tasks;
  else copy.tasks = tasks;
  return copy;
}

/** The same value with the keys of every plain object in reverse order (PostgreSQL's JSONB reorders keys). */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const entries = Object.entries(value as Record<string, unknown>).reverse();
  return Object.fromEntries(entries.map(([key, inner]) => [key, reverseKeys(inner)]));
}

/** Fails unless `actual` is the checkpoint saved with the task results of `planted`, naming `read`. */
function expectTasksKept(actual: Checkpoint | undefined, saved: Checkpoint, planted: Planted, read: string): void {
  expectEqual(
    actual?.tasks,
    taskResults(planted),
    `${read}.tasks must equal the saved task results (writes with Date, Map and BigInt, resume answers with ` +
      "undefined, pauses with values, updateKeys, anchorId): a store keeps Checkpoint.tasks losslessly, like state",
  );
  expectCheckpoint(actual, saved, `${read} must return the checkpoint with task results exactly as saved`);
}

/**
 * Task results (`Checkpoint.tasks`), which the runtime resumes from: they round-trip exactly through `load`,
 * `latest` and `list` (a Date, a Map and BigInts among the writes, `undefined` among the resume answers, pauses
 * with values, update keys, the anchor id) as fresh objects; a checkpoint without them comes back without the
 * field; an identical re-save with them, also with object keys in another order, is a no-op, and a re-save whose
 * task results differ (or are added or dropped) is a `CheckpointConflictError` that changes nothing; with the `raw`
 * hook, the stored record holds them outside the metadata.
 */
export function tasksSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("task results", () => {
    ctx.testNeeding("taskResults", "round-trip exactly through load, latest and list", async (store) => {
      const planted = plant();
      const cp = pausedCheckpoint(planted);
      await expectResolves(store.save(cp), "save(checkpoint with task results)");
      expectTasksKept(await store.load(cp.id), cp, planted, "load(id)");
      expectTasksKept(await store.latest(cp.executionId), cp, planted, "latest(executionId)");
      const listed = await store.list(cp.executionId);
      expectVersions(listed, [cp.version], "list(executionId) after one save");
      expectTasksKept(nth(listed, 0), cp, planted, "list(executionId)[0]");
    });

    ctx.testNeeding(
      "taskResults",
      "come back as fresh objects: changing what was saved or loaded changes nothing stored",
      async (store) => {
        const planted = plant();
        const cp = pausedCheckpoint(planted);
        const expected = freshCopy(cp);
        await store.save(cp);
        const first = await store.load(cp.id);
        expectTrue(
          first?.tasks !== undefined && first.tasks !== cp.tasks,
          "load(id).tasks must be a copy, not the saved object",
        );
        (cp.tasks?.nodes.research?.writes as Record<string, unknown>).note = "changed after save";
        (first.tasks.nodes.review?.resumes as unknown[]).push("added after load");
        first.tasks.interrupts.length = 0;
        const again = await store.load(cp.id);
        expectTasksKept(again, expected, planted, "load(id) after the saved and the loaded task results were changed");
      },
    );

    ctx.testNeeding("taskResults", "a checkpoint without task results comes back without the field", async (store) => {
      const cp = createTestCheckpoint({ executionId: uniqueId("no-tasks") });
      await store.save(cp);
      const reads: [string, Checkpoint | undefined][] = [
        ["load(id)", await store.load(cp.id)],
        ["latest(executionId)", await store.latest(cp.executionId)],
        ["list(executionId)[0]", (await store.list(cp.executionId))[0]],
      ];
      for (const [read, loaded] of reads) {
        expectTrue(
          loaded !== undefined && !("tasks" in loaded),
          `${read} of a checkpoint saved without tasks must have no tasks key, got ` +
            (loaded === undefined ? "nothing" : `tasks: ${String(loaded.tasks)}`),
        );
      }
    });

    ctx.testNeeding(
      "taskResults",
      "an identical re-save with task results is a no-op, also with keys in another order",
      async (store) => {
        const planted = plant();
        const cp = pausedCheckpoint(planted);
        await store.save(cp);
        await expectResolves(store.save(cp), "re-saving the same checkpoint with task results");
        await expectResolves(
          store.save(freshCopy(cp)),
          "re-saving an identical copy of a checkpoint with task results",
        );
        const reordered = withTasks(cp, reverseKeys(taskResults(planted)) as TaskResults);
        await expectResolves(store.save(reordered), "re-saving it with the task results' object keys in another order");
        expectVersions(
          await store.list(cp.executionId),
          [cp.version],
          "an idempotent re-save must not add a checkpoint",
        );
        expectTasksKept(await store.load(cp.id), cp, planted, "load(id) after the re-saves");
      },
    );

    ctx.testNeeding(
      "taskResults",
      "a re-save with different task results is a conflict and changes nothing",
      async (store) => {
        const planted = plant();
        const cp = pausedCheckpoint(planted);
        await store.save(cp);
        const base = taskResults(planted);
        const variants: [string, TaskResults | undefined][] = [
          [
            "another write of a finished node",
            { ...base, nodes: { ...base.nodes, draft: { writes: { text: "bye" } } } },
          ],
          ["other resume answers", { ...base, nodes: { ...base.nodes, review: { resumes: ["approve"] } } }],
          ["no pauses", { ...base, interrupts: [] }],
          ["another anchorId", { ...base, anchorId: "elsewhere" }],
          ["no task results at all", undefined],
        ];
        for (const [change, tasks] of variants) {
          const what = `re-saving a stored id whose task results differ (${change})`;
          await expectRejects(store.save(withTasks(cp, tasks)), CONFLICT, what);
        }
        expectTasksKept(await store.load(cp.id), cp, planted, "load(id) after the refused re-saves");

        const plain = createTestCheckpoint({ executionId: uniqueId("no-tasks") });
        await store.save(plain);
        await expectRejects(
          store.save(withTasks(plain, taskResults(planted))),
          CONFLICT,
          "re-saving a checkpoint stored without task results with task results added",
        );
      },
    );

    // Without the capability the runtime keeps task results inside the metadata itself: nothing to check here.
    const rawTitle = "the stored record keeps task results outside the metadata";
    if (ctx.capabilities().taskResults !== true) ctx.testNeeding("taskResults", rawTitle, async () => undefined);
    else
      ctx.testWithRaw(rawTitle, async (store, raw) => {
        const planted = plant();
        const cp = pausedCheckpoint(planted);
        await store.save(cp);
        const record = await raw.read({ id: cp.id, executionId: cp.executionId, version: cp.version });
        expectTrue(
          recordMentions(record, planted.marker),
          `raw.read's record does not hold the task results (the string ${JSON.stringify(planted.marker)} written in ` +
            "tasks.nodes.research.writes.note is nowhere in it): the store drops Checkpoint.tasks on save",
        );
        const metadata = objectsHolding(record, METADATA_MARKER_KEY, planted.metadataMarker);
        expectTrue(
          metadata.length > 0,
          `raw.read's record shows no metadata object (looked for { ${METADATA_MARKER_KEY}: ` +
            `${JSON.stringify(planted.metadataMarker)} } in its objects and JSON text): the check needs the stored ` +
            "metadata readable",
        );
        expectTrue(
          !metadata.some((stored) => recordMentions(stored, planted.marker)),
          "the task results are stored inside the metadata: a store keeps Checkpoint.tasks in a field of its own " +
            "(a column, a field beside metadata), never among the user's metadata keys",
        );
      });
  });
}
