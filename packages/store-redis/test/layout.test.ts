import { InvalidArgumentError } from "@lg/core";
import { encodeCheckpoint } from "@lg/core/store";
import { createCheckpointChain, createTestCheckpoint, uniqueId } from "@lg/store-testkit";
import { hashOf, openNamespace, pairs, type Namespace } from "./helpers.js";

let ns: Namespace;
beforeEach(async () => {
  ns = await openNamespace();
});
afterEach(async () => {
  await ns.cleanup();
});

describe("key layout", () => {
  it("a save writes exactly the seed's data key, the version-scored index and the executions entry", async () => {
    const store = ns.store();
    const cp = createTestCheckpoint({ executionId: uniqueId("exec"), version: 7 });
    await store.save(cp);
    const prefix = ns.db.prefix;
    const dataKey = `${prefix}checkpoint:${cp.id}`;
    const indexKey = `${prefix}execution:${cp.executionId}:checkpoints`;
    expect((await ns.db.keys()).sort()).toEqual([dataKey, indexKey, `${prefix}executions`].sort());
    expect(await ns.command("TYPE", dataKey)).toBe("hash");
    expect(await hashOf(ns, dataKey)).toEqual({
      data: JSON.stringify(encodeCheckpoint({ ...cp, state: null })),
      executionId: cp.executionId,
      timestamp: String(cp.timestamp.getTime()),
      kind: "full",
      state: JSON.stringify(encodeCheckpoint(cp).state),
    });
    expect(pairs(await ns.command("ZRANGE", indexKey, 0, -1, "WITHSCORES"))).toEqual([[cp.id, 7]]);
    expect(pairs(await ns.command("ZRANGE", `${prefix}executions`, 0, -1, "WITHSCORES"))).toEqual([
      [cp.executionId, 0],
    ]);
    for (const key of [dataKey, indexKey, `${prefix}executions`]) expect(await ns.command("PTTL", key)).toBe(-1);
  });

  it("keys embed ids verbatim, whatever they contain", async () => {
    const store = ns.store();
    const executionId = `ex:{tag}*?[x] 漢字 🚀`;
    const cp = createTestCheckpoint({ executionId, id: `id:{a}}{b}\\*%` });
    await store.save(cp);
    expect(await ns.command("EXISTS", `${ns.db.prefix}checkpoint:${cp.id}`)).toBe(1);
    expect(await ns.command("ZSCORE", `${ns.db.prefix}execution:${executionId}:checkpoints`, cp.id)).toBe("1");
    expect((await store.load(cp.id))?.executionId).toBe(executionId);
  });

  it("the index is ordered by version whatever the save order, and list is served from it", async () => {
    const store = ns.store();
    const executionId = uniqueId("order");
    const saved = [3, 10, 1, 2, 9].map((version) => createTestCheckpoint({ executionId, version }));
    for (const cp of saved) await store.save(cp);
    const index = pairs(await ns.command("ZRANGE", store.keys.executionIndex(executionId), 0, -1, "WITHSCORES"));
    expect(index.map(([, version]) => version)).toEqual([1, 2, 3, 9, 10]);
    expect((await store.list(executionId, { order: "desc", limit: 2 })).map((cp) => cp.version)).toEqual([10, 9]);
    expect((await store.list(executionId, { afterVersion: 1, beforeVersion: 10 })).map((cp) => cp.version)).toEqual([
      2, 3, 9,
    ]);
  });

  it("deleting the last checkpoint of an execution leaves no key behind", async () => {
    const store = ns.store();
    const cp = createTestCheckpoint({ executionId: uniqueId("last") });
    await store.save(cp);
    await store.delete(cp.id);
    expect(await ns.db.keys()).toEqual([]);
  });

  it("clear and prune remove the data keys together with their index entries", async () => {
    const store = ns.store();
    const kept = createTestCheckpoint({ executionId: uniqueId("kept") });
    const chain = createCheckpointChain(uniqueId("chain"), 5);
    for (const cp of [kept, ...chain]) await store.save(cp);
    const executionId = chain[0]?.executionId as string;
    expect(await store.prune(executionId, { keepLast: 2 })).toBe(3);
    expect(await ns.command("ZRANGE", store.keys.executionIndex(executionId), 0, -1)).toEqual(
      chain.slice(3).map((cp) => cp.id),
    );
    for (const cp of chain.slice(0, 3)) expect(await ns.command("EXISTS", store.keys.checkpoint(cp.id))).toBe(0);
    await store.clear(executionId);
    expect((await ns.db.keys()).sort()).toEqual(
      [store.keys.checkpoint(kept.id), store.keys.executionIndex(kept.executionId), store.keys.executions()].sort(),
    );
    expect(await ns.command("ZRANGE", store.keys.executions(), 0, -1)).toEqual([kept.executionId]);
  });

  it("a checkpoint id equal to an execution id, or to 'executions', maps to its own key", async () => {
    const store = ns.store();
    const cp = createTestCheckpoint({ executionId: "executions", id: "executions" });
    await store.save(cp);
    expect((await ns.db.keys()).length).toBe(3);
    expect(await store.load("executions")).toEqual(cp);
    expect((await store.listExecutions()).executions.map((e) => e.executionId)).toEqual(["executions"]);
  });

  it("rejects ids with a lone surrogate, which have no UTF-8 form for a key, and finds nothing under them", async () => {
    const store = ns.store();
    const lone = createTestCheckpoint({ executionId: uniqueId("lone"), id: "cp-\ud800" });
    await expect(store.save(lone)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.save({ ...lone, id: "ok", executionId: "ex-\udc00" })).rejects.toThrow(/lone UTF-16 surrogate/);
    const replacement = createTestCheckpoint({ executionId: uniqueId("lone"), id: "cp-\ufffd" });
    await store.save(replacement);
    expect(await store.load("cp-\ud800")).toBeUndefined(); // would be the same key bytes as "cp-\ufffd"
    expect(await store.latest("ex-\udc00")).toBeUndefined();
    expect(await store.list("ex-\udc00")).toEqual([]);
    await store.delete("cp-\ud800");
    expect(await store.load("cp-\ufffd")).toEqual(replacement);
  });
});
