import type { Checkpoint, CheckpointStore, ListOptions } from "@lg/core";
import { createTestCheckpoint, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { expectCheckpoint, expectTrue, expectVersions } from "./expect.js";
import type { SpecOptions } from "./options.js";

/**
 * Versions 1, 2, 9, 10, 11, 100 (gaps, and decimal strings that sort differently: 2 < 9 < 10 < 100), in the
 * shuffled order they are saved in.
 */
const SAVE_ORDER = [10, 1, 100, 9, 2, 11];

async function saveShuffled(store: CheckpointStore, executionId: string): Promise<Map<number, Checkpoint>> {
  const byVersion = new Map<number, Checkpoint>();
  for (const version of SAVE_ORDER) {
    const cp = createTestCheckpoint({ executionId, version, state: { version } });
    byVersion.set(version, cp);
    await store.save(cp);
  }
  return byVersion;
}

function describeOptions(options: ListOptions | undefined): string {
  return options === undefined ? "" : `, ${JSON.stringify(options)}`;
}

const CASES: { options: ListOptions | undefined; expected: number[] }[] = [
  { options: undefined, expected: [1, 2, 9, 10, 11, 100] },
  { options: { order: "asc" }, expected: [1, 2, 9, 10, 11, 100] },
  { options: { order: "desc" }, expected: [100, 11, 10, 9, 2, 1] },
  { options: { limit: 2 }, expected: [1, 2] },
  { options: { limit: 2, order: "desc" }, expected: [100, 11] },
  { options: { limit: 50 }, expected: [1, 2, 9, 10, 11, 100] },
  { options: { beforeVersion: 10 }, expected: [1, 2, 9] },
  { options: { afterVersion: 9 }, expected: [10, 11, 100] },
  { options: { afterVersion: 1, beforeVersion: 100 }, expected: [2, 9, 10, 11] },
  { options: { afterVersion: 1, beforeVersion: 100, order: "desc", limit: 2 }, expected: [11, 10] },
  { options: { afterVersion: 2, limit: 2 }, expected: [9, 10] },
  { options: { beforeVersion: 1 }, expected: [] },
  { options: { afterVersion: 100 }, expected: [] },
  { options: { afterVersion: 10, beforeVersion: 11 }, expected: [] },
];

/**
 * `list`: ordered by numeric version (ascending by default, `desc` on request) whatever the insertion order,
 * `limit` applied after ordering (desc + limit = the newest N), `beforeVersion`/`afterVersion` exclusive bounds
 * in every combination, `[]` for an unknown execution, full checkpoints in the result, and only the asked
 * execution's checkpoints.
 */
export function listSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("list", () => {
    for (const { options: listOptions, expected } of CASES) {
      const call = `list(executionId${describeOptions(listOptions)})`;
      ctx.test(`${call} → versions [${expected.join(", ")}]`, async (store) => {
        const executionId = uniqueId("list");
        await saveShuffled(store, executionId);
        const result = await store.list(executionId, listOptions);
        expectVersions(result, expected, `${call} (saved in the order ${SAVE_ORDER.join(", ")})`);
      });
    }

    ctx.test("an unknown execution yields []", async (store) => {
      const result = await store.list(uniqueId("list-missing"));
      expectTrue(
        Array.isArray(result) && result.length === 0,
        `list(unknown) must resolve to [], got ${String(result)}`,
      );
    });

    ctx.test("returns full checkpoints equal to what was saved", async (store) => {
      const executionId = uniqueId("list");
      const saved = await saveShuffled(store, executionId);
      for (const cp of await store.list(executionId)) {
        const expected = saved.get(cp.version);
        expectTrue(expected !== undefined, `list returned a version that was never saved: ${cp.version}`);
        expectCheckpoint(cp, expected, `list entry for version ${cp.version} must equal the saved checkpoint`);
      }
    });

    ctx.test("returns only the asked execution's checkpoints", async (store) => {
      const executionId = uniqueId("list");
      await saveShuffled(store, executionId);
      const other = uniqueId("list-other");
      for (const version of [3, 4, 5]) await store.save(createTestCheckpoint({ executionId: other, version }));
      const result = await store.list(executionId);
      expectTrue(
        result.every((cp) => cp.executionId === executionId),
        `list(A) returned checkpoints of other executions: ${result.map((cp) => cp.executionId).join(", ")}`,
      );
      expectVersions(await store.list(other), [3, 4, 5], "list(B) must hold only B's versions");
    });
  });
}
