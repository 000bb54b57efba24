import { createCheckpointChain, createTestCheckpoint, FIXTURE_EPOCH, uniqueId } from "@lg/store-testkit";
import type { Checkpoint } from "@lg/core";
import type { RedisCheckpointStore } from "@lg/store-redis";
import { expectConsistent, openNamespace, type Namespace } from "./helpers.js";
import { CLEAR, EXECUTIONS_PAGE_SIZE, LIST_PAGE_SIZE, PAGE_BUDGET, PRUNE } from "../src/paged-scripts.js";

/**
 * Operations whose work grows with history run as several script calls with bounded work each. These tests cross
 * page boundaries on purpose, run single calls by hand to stop "between calls" (as a crash or timeout would), and
 * let other writers act between calls; every call must leave the indexes exact on its own.
 */

let ns: Namespace;
beforeEach(async () => {
  ns = await openNamespace();
});
afterEach(async () => {
  await ns.cleanup();
});

/** A store with one execution of `count` checkpoints (versions 1..count). */
async function history(
  count: number,
): Promise<{ store: RedisCheckpointStore; chain: Checkpoint[]; executionId: string }> {
  const store = ns.store();
  const chain = createCheckpointChain(uniqueId("paged"), count);
  for (let i = 0; i < chain.length; i += 100) await Promise.all(chain.slice(i, i + 100).map((cp) => store.save(cp)));
  return { store, chain, executionId: chain[0]!.executionId };
}

const versionsOf = (checkpoints: Checkpoint[]): number[] => checkpoints.map((cp) => cp.version);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Runs one page of the prune script by hand; returns `[deleted, counted, cursor]`. */
async function prunePage(
  store: RedisCheckpointStore,
  executionId: string,
  keep: number,
  cursor: string,
  counted: number,
): Promise<[number, number, string]> {
  const keys = [store.keys.executionIndex(executionId), store.keys.executions()];
  const args = [store.prefix, executionId, String(keep), "", cursor, String(counted), String(PAGE_BUDGET)];
  return (await ns.command("EVAL", PRUNE.source, 2, ...keys, ...args)) as [number, number, string];
}

/** Runs one page of the clear script by hand; returns `[removed, ceiling]`. */
async function clearPage(store: RedisCheckpointStore, executionId: string, ceiling: string): Promise<[number, string]> {
  const keys = [store.keys.executionIndex(executionId), store.keys.executions(), store.keys.hiddenIndex(executionId)];
  return (await ns.command(
    "EVAL",
    CLEAR.source,
    3,
    ...keys,
    store.prefix,
    executionId,
    ceiling,
    String(PAGE_BUDGET),
  )) as [number, string];
}

describe("prune in pages", () => {
  const total = PAGE_BUDGET * 3 + 50;

  it("applies keepLast, olderThan and protect across page boundaries exactly as one pass would", async () => {
    const { store, chain, executionId } = await history(total);
    // version v has timestamp FIXTURE_EPOCH + v seconds: versions up to youngFrom - 1 are old enough to go
    const youngFrom = total - PAGE_BUDGET;
    const olderThan = new Date(FIXTURE_EPOCH + (youngFrom - 0.5) * 1000);
    const keepLast = PAGE_BUDGET + 20; // reaches below the young ones, into the second page
    const protect = [chain[4]!.id, chain[PAGE_BUDGET * 2]!.id];
    const deleted = await store.prune(executionId, { keepLast, olderThan, protect });
    const kept = new Set([5, PAGE_BUDGET * 2 + 1, ...range(total - keepLast + 1, total), ...range(youngFrom, total)]);
    expect(versionsOf(await store.list(executionId))).toEqual([...kept].sort((a, b) => a - b));
    expect(deleted).toBe(total - kept.size);
    await expectConsistent(ns, store);
  });

  it("stopped after one call, leaves a consistent, partly pruned execution that a later prune completes", async () => {
    const { store, chain, executionId } = await history(total);
    const [deleted, counted, cursor] = await prunePage(store, executionId, 1, "", 0);
    expect([deleted, counted]).toEqual([PAGE_BUDGET - 1, PAGE_BUDGET]);
    expect(cursor).toBe(String(total - PAGE_BUDGET + 1));
    const left = await store.list(executionId);
    expect(versionsOf(left)).toEqual([...range(1, total - PAGE_BUDGET), total]);
    await expectConsistent(ns, store);
    expect(await store.prune(executionId, { keepLast: 1 })).toBe(total - PAGE_BUDGET);
    expect(await store.list(executionId)).toEqual([chain[total - 1]]);
  });

  it("a later call never deletes the newest: when the checkpoints counted before were deleted meanwhile, it stops", async () => {
    const { store, chain, executionId } = await history(total);
    const [, counted, cursor] = await prunePage(store, executionId, 1, "", 0);
    await store.delete(chain[total - 1]!.id); // the one checkpoint the first call kept
    const [deleted, , next] = await prunePage(store, executionId, 1, cursor, counted);
    expect([deleted, next]).toEqual([0, ""]);
    expect((await store.latest(executionId))?.version).toBe(total - PAGE_BUDGET);
    await expectConsistent(ns, store);
  });

  it("a save landing between calls is kept (it is newer than everything counted)", async () => {
    const { store, executionId } = await history(total);
    const [, counted, cursor] = await prunePage(store, executionId, 2, "", 0);
    const newer = createTestCheckpoint({ executionId, version: total + 1 });
    await store.save(newer);
    for (let page: [number, number, string] = [0, counted, cursor]; page[2] !== "";) {
      page = await prunePage(store, executionId, 2, page[2], page[1]);
    }
    expect(versionsOf(await store.list(executionId))).toEqual([total - 1, total, total + 1]);
    await expectConsistent(ns, store);
  });
});

describe("clear in pages", () => {
  const total = PAGE_BUDGET * 2 + 30;

  it("stopped after one call, leaves a consistent execution without the newest page; clear completes it", async () => {
    const { store, executionId } = await history(total);
    const [removed, ceiling] = await clearPage(store, executionId, "");
    expect([removed, ceiling]).toEqual([PAGE_BUDGET, String(total)]);
    expect(versionsOf(await store.list(executionId))).toEqual(range(1, total - PAGE_BUDGET));
    await expectConsistent(ns, store);
    await store.clear(executionId);
    expect(await ns.db.keys()).toEqual([]);
  });

  it("a save landing between calls above the ceiling survives with its index entries", async () => {
    const { store, executionId } = await history(total);
    let [, ceiling] = await clearPage(store, executionId, "");
    const later = createTestCheckpoint({ executionId, version: total + 1 });
    await store.save(later);
    while (ceiling !== "") [, ceiling] = await clearPage(store, executionId, ceiling);
    expect(await store.list(executionId)).toEqual([later]);
    expect((await store.listExecutions()).executions.map((e) => e.executionId)).toEqual([executionId]);
    await expectConsistent(ns, store);
  });
});

describe("reads in pages", () => {
  it("list returns every checkpoint in order across pages, with and without limits and bounds", async () => {
    const total = LIST_PAGE_SIZE * 2 + 17;
    const { store, chain, executionId } = await history(total);
    expect(await store.list(executionId)).toEqual(chain);
    expect(await store.list(executionId, { order: "desc" })).toEqual([...chain].reverse());
    const limit = LIST_PAGE_SIZE + 5;
    expect(versionsOf(await store.list(executionId, { order: "desc", limit }))).toEqual(
      range(total - limit + 1, total).reverse(),
    );
    expect(versionsOf(await store.list(executionId, { afterVersion: 3, beforeVersion: total - 2 }))).toEqual(
      range(4, total - 3),
    );
    expect(await store.list(executionId, { limit: LIST_PAGE_SIZE })).toEqual(chain.slice(0, LIST_PAGE_SIZE));
  });

  it("listExecutions and stats cover more executions than one call handles", async () => {
    const store = ns.store();
    const count = EXECUTIONS_PAGE_SIZE + 30;
    const base = uniqueId("many");
    const ids = Array.from({ length: count }, (_, i) => `${base}-${String(i).padStart(5, "0")}`);
    for (let i = 0; i < ids.length; i += 200) {
      await Promise.all(ids.slice(i, i + 200).map((executionId) => store.save(createTestCheckpoint({ executionId }))));
    }
    const first = await store.listExecutions({ limit: count - 10 });
    expect(first.executions.map((e) => e.executionId)).toEqual(ids.slice(0, count - 10));
    expect(first.nextCursor).toBe(ids[count - 11]);
    const rest = await store.listExecutions({ limit: count, cursor: first.nextCursor as string });
    expect(rest.executions.map((e) => e.executionId)).toEqual(ids.slice(count - 10));
    expect(rest.nextCursor).toBeUndefined();
    expect(await store.stats()).toEqual({ checkpoints: count, executions: count, estimated: false });
  });
});
