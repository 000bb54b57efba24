import type {
  CheckpointStore,
  ExecutionRecord,
  ExecutionRegistry,
  ExecutionStatus,
  ListRecordsOptions,
} from "@lg/core";
import { compareCodePoints } from "@lg/core/store";
import { createTestCheckpoint, uniqueId } from "../fixtures.js";
import { expectEqual, expectTrue, fail } from "./expect.js";
import { claimed, enqueued, recordOf, running } from "./registry-fixtures.js";
import type { RegistryTests } from "./registry-support.js";

const MAX_PAGES = 1_000;

/** Reads every page of `list`, checking page sizes and cursors; returns the records in the order read. */
async function readAll(
  registry: ExecutionRegistry,
  options: Omit<ListRecordsOptions, "cursor">,
): Promise<ExecutionRecord[]> {
  const all: ExecutionRecord[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await registry.list(cursor === undefined ? options : { ...options, cursor });
    expectTrue(Array.isArray(result?.records), "list must return { records: [...] }");
    if (options.limit !== undefined)
      expectTrue(
        result.records.length <= options.limit,
        `list({ limit: ${options.limit} }) returned ${result.records.length}`,
      );
    all.push(...result.records);
    if (result.nextCursor === undefined) return all;
    expectTrue(typeof result.nextCursor === "string" && result.nextCursor !== cursor, "nextCursor must move on");
    cursor = result.nextCursor;
  }
  return fail(`list kept returning nextCursor for ${MAX_PAGES} pages`);
}

/** Puts one execution in each status; returns the ids by status. */
async function oneOfEach(registry: ExecutionRegistry, base: string): Promise<Record<ExecutionStatus, string>> {
  // Each claim leases every queued execution, so the one left queued is submitted last.
  const paused = await running(registry, `${base}-p`);
  await registry.release(paused, { status: "paused" });
  const done = await running(registry, `${base}-d`);
  await registry.release(done, { status: "done" });
  const failed = await running(registry, `${base}-f`);
  await registry.release(failed, { status: "failed", error: "e" });
  const cancelled = (await enqueued(registry, `${base}-c`)).executionId;
  await registry.cancel(cancelled);
  const live = await running(registry, `${base}-r`);
  const queued = (await enqueued(registry, `${base}-q`)).executionId;
  return {
    queued,
    running: live.executionId,
    paused: paused.executionId,
    done: done.executionId,
    failed: failed.executionId,
    cancelled,
  };
}

/**
 * `get`, `list` and `counts`: get finds a record or `undefined` (also for an id no store could hold); list pages in
 * code point order of execution id with `limit` and `nextCursor`, filtered by one or several statuses; counts
 * reports every status; ids with any Unicode, quotes, `%`, `*` and `:` round-trip.
 */
export function registryReadSpec<S extends CheckpointStore>(tests: RegistryTests<S>): void {
  tests.ctx.suite("get, list and counts", () => {
    tests.test("get of an unknown or unstorable id is undefined", async (_store, registry) => {
      expectTrue((await registry.get(uniqueId("reg-none"))) === undefined, "get of no record is undefined");
      const executionId = uniqueId("reg-x");
      await enqueued(registry, `${executionId}\uFFFD`);
      expectTrue(
        (await registry.get(`${executionId}\uD800`)) === undefined,
        "get of an id with a lone surrogate finds nothing (not the record of the id with U+FFFD)",
      );
    });

    for (const limit of [1, 2, 100]) {
      tests.test(`list pages with limit ${limit} in code point order of execution id`, async (_store, registry) => {
        const base = uniqueId("reg-page");
        // "\uFF01" and "\u{1F600}" are where code point order and JavaScript's code-unit order disagree
        const suffixes = ["B", "a", "é", "Z", "a:b", "a%", "a*", "0", "~", "中", "\uFF01", "\u{1F600}", "'q\""];
        for (const suffix of suffixes) await enqueued(registry, `${base}${suffix}`);
        const all = await readAll(registry, { limit });
        const expected = suffixes.map((s) => `${base}${s}`).sort(compareCodePoints);
        expectEqual(
          all.map((r) => r.executionId),
          expected,
          "list visits every record once, in code point order",
        );
      });
    }

    tests.test("list filters by one status and by several", async (_store, registry) => {
      const ids = await oneOfEach(registry, uniqueId("reg-filter"));
      for (const [status, executionId] of Object.entries(ids) as [ExecutionStatus, string][]) {
        const records = await readAll(registry, { status, limit: 2 });
        expectEqual(
          records.map((r) => r.executionId),
          [executionId],
          `list({ status: "${status}" })`,
        );
        expectTrue(records[0]?.status === status, `the ${status} record lists with its status`);
      }
      const several = await readAll(registry, { status: ["done", "failed", "queued"], limit: 1 });
      expectEqual(
        several.map((r) => r.executionId),
        [ids.done, ids.failed, ids.queued].sort(compareCodePoints),
        'list({ status: ["done", "failed", "queued"] }) lists those, by id',
      );
    });

    tests.test("counts reports every status", async (_store, registry) => {
      const empty = await registry.counts();
      expectEqual(
        empty,
        { queued: 0, running: 0, paused: 0, done: 0, failed: 0, cancelled: 0 },
        "counts of an empty registry: every status at 0",
      );
      await oneOfEach(registry, uniqueId("reg-count"));
      await enqueued(registry, uniqueId("reg-count-q2"));
      expectEqual(
        await registry.counts(),
        { queued: 2, running: 1, paused: 1, done: 1, failed: 1, cancelled: 1 },
        "counts after one execution in each status and a second queued one",
      );
    });

    tests.test("ids with Unicode, quotes, %, * and : round-trip", async (store, registry) => {
      const base = uniqueId("reg-id");
      for (const odd of ["ünï 😀", 'it\'s "quoted"', "100%_", "a*b?[c]", "tenant:42:run", "\\back\\slash", "中文"]) {
        const executionId = `${base}${odd}`;
        await enqueued(registry, executionId);
        const mine = await claimed(registry, executionId);
        await store.save(createTestCheckpoint({ executionId, version: 1 }), { lease: mine });
        const released = await registry.release(mine, { status: "done" });
        expectTrue(released.executionId === executionId, `release keeps the id ${JSON.stringify(executionId)}`);
        expectEqual(await recordOf(registry, executionId), released, `get(${JSON.stringify(executionId)})`);
        const listed = await readAll(registry, { status: "done" });
        expectTrue(
          listed.some((r) => r.executionId === executionId),
          `list shows ${JSON.stringify(executionId)}`,
        );
      }
    });
  });
}
