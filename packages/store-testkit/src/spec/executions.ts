import {
  InvalidArgumentError,
  type CheckpointStore,
  type ExecutionSummary,
  type ListExecutionsOptions,
} from "@lg/core";
import { compareCodePoints } from "@lg/core/store";
import { createTestCheckpoint, FIXTURE_EPOCH, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { call, expectEqual, expectRejects, expectTrue, fail } from "./expect.js";
import type { SpecOptions } from "./options.js";

const MAX_PAGES = 10_000;

/** Reads every page; checks page sizes, no repeats across pages and ascending code point order throughout. */
async function readAllPages(store: CheckpointStore, limit: number | undefined): Promise<ExecutionSummary[]> {
  const all: ExecutionSummary[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const options: ListExecutionsOptions = {};
    if (limit !== undefined) options.limit = limit;
    if (cursor !== undefined) options.cursor = cursor;
    const result = await store.listExecutions(options);
    expectTrue(Array.isArray(result?.executions), `listExecutions must return { executions: [...] }`);
    if (limit !== undefined) {
      expectTrue(
        result.executions.length <= limit,
        `listExecutions({ limit: ${limit} }) returned a page of ${result.executions.length}`,
      );
    }
    all.push(...result.executions);
    if (result.nextCursor === undefined) return checkOrder(all);
    expectTrue(typeof result.nextCursor === "string", "nextCursor must be a string or absent");
    expectTrue(result.nextCursor !== cursor, "listExecutions returned the same cursor twice (it would loop forever)");
    cursor = result.nextCursor;
  }
  return fail(`listExecutions kept returning nextCursor for ${MAX_PAGES} pages; the last page must omit it`);
}

function checkOrder(all: ExecutionSummary[]): ExecutionSummary[] {
  for (let i = 1; i < all.length; i++) {
    const previous = (all[i - 1] as ExecutionSummary).executionId;
    const current = (all[i] as ExecutionSummary).executionId;
    expectTrue(
      compareCodePoints(previous, current) < 0,
      `listExecutions must be in ascending code point order of execution id without repeats across pages; ` +
        `${JSON.stringify(previous)} came before ${JSON.stringify(current)}`,
    );
  }
  return all;
}

/**
 * `listExecutions`: each execution appears once with its highest version and that checkpoint's timestamp;
 * ordered by execution id in code point order, i.e. UTF-8 byte order (`"B" < "a" < "é" < "\uFF01" < "😀"`), also across pages; paging by `limit` and
 * `nextCursor` visits every execution exactly once and ends with no cursor; awkward ids survive the cursor;
 * cleared executions disappear; invalid options reject with `InvalidArgumentError`. `updatedAt` is the newest
 * version's timestamp even when an older version has a later one; an exactly full last page has no `nextCursor`.
 */
export function executionsSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("listExecutions", () => {
    ctx.test("reports each execution once with its newest version and timestamp", async (store) => {
      const executionId = uniqueId("exec");
      for (const version of [2, 7, 3]) await store.save(createTestCheckpoint({ executionId, version }));
      const mine = (await readAllPages(store, undefined)).filter((e) => e.executionId === executionId);
      expectTrue(mine.length === 1, `execution must be listed once, was listed ${mine.length} times`);
      const expected = createTestCheckpoint({ executionId, version: 7 }).timestamp;
      expectEqual(
        { latestVersion: mine[0]?.latestVersion, updatedAt: mine[0]?.updatedAt },
        { latestVersion: 7, updatedAt: expected },
        "the summary must carry the highest version and its checkpoint's timestamp (a Date)",
      );
    });

    for (const limit of [1, 2, 100]) {
      ctx.test(`pages with limit ${limit} visit every execution once, in code point order`, async (store) => {
        const base = uniqueId("page");
        // "\uFF01" and "\u{1F600}" are where code point order and JavaScript's code-unit order disagree
        const suffixes = ["B", "a", "b", "é", "Z", "a:b", "a%", "a*", "0", "~", "中", "\uFF01", "\u{1F600}"];
        const ids = suffixes.map((s) => `${base}-${s}`);
        for (const executionId of ids) await store.save(createTestCheckpoint({ executionId, version: 1 }));
        const listed = (await readAllPages(store, limit)).map((e) => e.executionId).filter((id) => id.startsWith(base));
        const expected = [...ids].sort(compareCodePoints);
        expectEqual(listed, expected, `paging with limit ${limit} must return every execution once, in order`);
      });
    }

    ctx.test("updatedAt is the newest version's timestamp, not the latest timestamp", async (store) => {
      const executionId = uniqueId("exec");
      const newest = createTestCheckpoint({ executionId, version: 5, timestamp: new Date(FIXTURE_EPOCH + 1_000) });
      // A fork or a restored backup can leave an older version with a later clock reading.
      await store.save(createTestCheckpoint({ executionId, version: 4, timestamp: new Date(FIXTURE_EPOCH + 9_000) }));
      await store.save(newest);
      const mine = (await readAllPages(store, undefined)).find((e) => e.executionId === executionId);
      expectEqual(
        { latestVersion: mine?.latestVersion, updatedAt: mine?.updatedAt },
        { latestVersion: 5, updatedAt: newest.timestamp },
        "updatedAt must be the timestamp of the highest version's checkpoint",
      );
    });

    ctx.test("an exactly full last page has no nextCursor", async (store) => {
      const base = uniqueId("full");
      for (const suffix of ["a", "b", "c"])
        await store.save(createTestCheckpoint({ executionId: `${base}-${suffix}` }));
      const total = (await readAllPages(store, undefined)).length;
      const whole = await store.listExecutions({ limit: total });
      expectTrue(
        whole.executions.length === total && whole.nextCursor === undefined,
        `listExecutions({ limit: ${total} }) over ${total} executions must return them all and no nextCursor ` +
          `(got ${whole.executions.length} and nextCursor ${JSON.stringify(whole.nextCursor)}): a cursor leads to an empty page`,
      );
      const first = await store.listExecutions({ limit: 1 });
      expectTrue(
        first.nextCursor !== undefined,
        `listExecutions({ limit: 1 }) over ${total} executions must return a nextCursor`,
      );
      const rest = await store.listExecutions({ limit: total - 1, cursor: first.nextCursor });
      expectTrue(
        rest.executions.length === total - 1 && rest.nextCursor === undefined,
        `the last ${total - 1} of ${total} executions read with limit ${total - 1} after a cursor must come with no ` +
          `nextCursor (got ${rest.executions.length} and nextCursor ${JSON.stringify(rest.nextCursor)})`,
      );
    });

    ctx.test("a cleared execution is no longer listed", async (store) => {
      const gone = uniqueId("gone");
      const kept = uniqueId("kept");
      await store.save(createTestCheckpoint({ executionId: gone }));
      await store.save(createTestCheckpoint({ executionId: kept }));
      await store.clear(gone);
      const ids = (await readAllPages(store, undefined)).map((e) => e.executionId);
      expectTrue(!ids.includes(gone), "listExecutions must not list a cleared execution");
      expectTrue(ids.includes(kept), "listExecutions must still list the other execution");
    });

    ctx.test("rejects limit 0 with InvalidArgumentError", async (store) => {
      await expectRejects(
        call("listExecutions", () => store.listExecutions({ limit: 0 })),
        { type: InvalidArgumentError, code: "LG_INVALID_ARGUMENT" },
        "listExecutions({ limit: 0 })",
      );
    });
  });
}
