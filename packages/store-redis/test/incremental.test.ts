import { CheckpointCorruptError } from "@lg/core";
import { FIELD } from "@lg/store-redis";
import { ChatWriter } from "./chat.js";
import { hashOf, expectConsistent, openNamespace, sleep, type Namespace } from "./helpers.js";
import { CHAIN_PAGE_ROWS } from "../src/chain-reader.js";
import { CHAIN_CHANGED, COMPACT_MIN_PARTS } from "../src/row-lua.js";
import { CHAIN } from "../src/scripts.js";

/**
 * The Redis side of incremental checkpoints (the conformance suite checks the contract): what a delta row holds,
 * reads that detect damage, chains longer than one script call, saves racing deletes of their parent, retention that
 * keeps one hidden base, and time to live that never lets a row expire before the rows reading through it.
 */

let ns: Namespace;
beforeEach(async () => {
  ns = await openNamespace();
});
afterEach(async () => {
  await ns.cleanup();
});

describe("delta rows", () => {
  it("a step stores its changes, their counts and its link, and its parent records it among its kids", async () => {
    const store = ns.store();
    const w = new ChatWriter(store);
    const first = await w.start({ messages: [{ n: 0 }], turn: 0 });
    const second = await w.step(first, [{ n: 1 }, { n: 2 }]);
    const row = await hashOf(ns, store.keys.checkpoint(second.id));
    expect(row).toEqual({
      data: expect.stringContaining('"state":null') as string,
      executionId: w.executionId,
      timestamp: String(second.timestamp.getTime()),
      kind: "delta",
      state: JSON.stringify([["turn", 1]]),
      items: JSON.stringify([["messages", [{ n: 1 }, { n: 2 }]]]),
      counts: JSON.stringify([["messages", 2]]),
      link: first.id,
    });
    expect((await hashOf(ns, store.keys.checkpoint(first.id))).kids).toBe(JSON.stringify([second.id]));
    expect(await store.load(second.id)).toEqual(second);
  });

  it("an item missing from or added to a row is CheckpointCorruptError on load, latest and list", async () => {
    const store = ns.store();
    const w = new ChatWriter(store);
    const saved = await w.run(4);
    const damaged = store.keys.checkpoint(saved[2]!.id);
    for (const items of [[["messages", []]], [["messages", [{ n: 2 }, { n: 2 }]]]]) {
      await ns.command("HSET", damaged, FIELD.items, JSON.stringify(items));
      await expect(store.load(saved[4]!.id)).rejects.toThrow(CheckpointCorruptError);
      await expect(store.latest(w.executionId)).rejects.toThrow(CheckpointCorruptError);
      await expect(store.list(w.executionId)).rejects.toThrow(CheckpointCorruptError);
    }
    expect(await store.load(saved[1]!.id)).toEqual(saved[1]);
  });

  it("a row its chain reads through gone missing is CheckpointCorruptError, never a shorter state", async () => {
    const store = ns.store();
    const saved = await new ChatWriter(store).run(4);
    await ns.command("DEL", store.keys.checkpoint(saved[1]!.id));
    await expect(store.load(saved[4]!.id)).rejects.toThrow(/chain of incremental rows is broken/);
  });
});

describe("chains longer than one script call", () => {
  const steps = CHAIN_PAGE_ROWS + 100;

  it(`reads a ${steps}-step chain whole by load, latest and a page of list`, async () => {
    const store = ns.store();
    const saved = await new ChatWriter(store).run(steps);
    const newest = saved[saved.length - 1]!;
    expect(await store.load(newest.id)).toEqual(newest);
    expect(await store.latest(newest.executionId)).toEqual(newest);
    expect(await store.list(newest.executionId, { order: "desc", limit: 2 })).toEqual([newest, saved[steps - 1]]);
  }, 60_000);

  it("a call continuing from a row that changed meanwhile says so, and the read starts over", async () => {
    const store = ns.store();
    const saved = await new ChatWriter(store).run(3);
    const from = saved[3]!;
    const key = store.keys.checkpoint(from.id);
    const call = (link: string, merged: string): Promise<unknown> =>
      ns.command("EVAL", CHAIN.source, 1, key, store.prefix, from.id, "0", "0", "10", "1000000", link, merged);
    expect(((await call(saved[2]!.id, "0")) as unknown[])[0]).toBe(1);
    expect(await call(saved[1]!.id, "0")).toEqual([CHAIN_CHANGED]);
    expect(await call(saved[2]!.id, "1")).toEqual([CHAIN_CHANGED]);
  });
});

describe("saves racing deletes", () => {
  it("a save whose parent is gone is stored whole", async () => {
    const store = ns.store();
    const w = new ChatWriter(store);
    const first = await w.start({ messages: [{ n: 0 }], turn: 0 });
    await store.delete(first.id);
    const second = await w.step(first);
    expect((await hashOf(ns, store.keys.checkpoint(second.id))).kind).toBe("full");
    expect(await store.load(second.id)).toEqual(second);
  });

  it("a save continuing a deleted checkpoint that later rows were merged into is stored whole", async () => {
    const store = ns.store();
    const w = new ChatWriter(store);
    const saved = await w.run(3);
    // 2 and 3 deleted: 2 is hidden (4 reads through it), 3 is merged into it.
    await store.delete(saved[1]!.id);
    await store.delete(saved[2]!.id);
    expect((await hashOf(ns, store.keys.checkpoint(saved[1]!.id))).absorbed).toBe("1");
    const fork = await w.step(saved[1]!, [{ n: "fork" }]);
    expect((await hashOf(ns, store.keys.checkpoint(fork.id))).kind).toBe("full");
    expect(await store.load(fork.id)).toEqual(fork);
    expect(await store.load(saved[3]!.id)).toEqual(saved[3]);
  });

  it("a save and a delete of its parent at once leave the child readable, whichever ran first", async () => {
    const store = ns.store();
    const w = new ChatWriter(store);
    let parent = await w.start({ messages: [{ n: 0 }], turn: 0 });
    for (let i = 0; i < 30; i++) {
      const child = w.next(parent, [{ n: i }]);
      const changes = { parentId: parent.id, whole: ["turn"], appended: { messages: 1 } };
      await Promise.all([store.delete(parent.id), store.save(child, { changes })]);
      expect(await store.load(child.id)).toEqual(child);
      parent = child;
    }
    await expectConsistent(ns, store);
  });
});

describe("retention", () => {
  it("pruned to its newest five after every step, an execution keeps one hidden base below them", async () => {
    const store = ns.store();
    const w = new ChatWriter(store);
    let cp = await w.start();
    const saved = [cp];
    for (let i = 1; i <= 40; i++) {
      cp = await w.step(cp);
      saved.push(cp);
      await store.prune(w.executionId, { keepLast: 5 });
    }
    expect(await store.list(w.executionId)).toEqual(saved.slice(-5));
    expect(await ns.command("ZCARD", store.keys.hiddenIndex(w.executionId))).toBe(1);
    const rows = (await ns.db.keys()).filter((key) => key.startsWith(store.keys.checkpoint("")));
    expect(rows).toHaveLength(6);
    expect(await store.stats()).toEqual({ checkpoints: 5, executions: 1, estimated: false });
    expect(await store.listHeaders(w.executionId, { limit: 1 })).toEqual([
      expect.objectContaining({ id: saved[36]!.id }),
    ]);
    await expectConsistent(ns, store);
    await store.clear(w.executionId);
    expect(await ns.db.keys()).toEqual([]);
  });

  it("compacts the hidden base: values written whole at every step do not pile up in it", async () => {
    const store = ns.store();
    const w = new ChatWriter(store);
    let cp = await w.start();
    const steps = COMPACT_MIN_PARTS * 3;
    for (let i = 1; i <= steps; i++) {
      const next = w.next(cp, [{ n: i }]);
      next.state = { ...next.state, doc: `${i}`.padEnd(2000, ".") } as typeof next.state;
      await store.save(next, { changes: { parentId: cp.id, whole: ["turn", "doc"], appended: { messages: 1 } } });
      cp = next;
      await store.prune(w.executionId, { keepLast: 3 });
    }
    expect(await store.load(cp.id)).toEqual(cp);
    const [base] = (await ns.command("ZRANGE", store.keys.hiddenIndex(w.executionId), 0, -1)) as string[];
    const fields = await hashOf(ns, store.keys.checkpoint(base!));
    expect(Number(fields.merged ?? 0)).toBeLessThan(COMPACT_MIN_PARTS);
    // Every doc kept would be steps x 2 kB; the base holds the docs of fewer than COMPACT_MIN_PARTS steps.
    const bytes = Object.values(fields).reduce((sum, value) => sum + value.length, 0);
    expect(bytes).toBeLessThan((COMPACT_MIN_PARTS + 2) * 2100);
    await expectConsistent(ns, store);
  }, 60_000);

  it("a deleted checkpoint later rows read through is hidden, and saved again it is a checkpoint again", async () => {
    const store = ns.store();
    const w = new ChatWriter(store);
    const saved = await w.run(4);
    const middle = saved[2]!;
    await store.delete(middle.id);
    expect(await store.load(middle.id)).toBeUndefined();
    expect(await store.load(saved[4]!.id)).toEqual(saved[4]);
    await store.save(middle, {
      changes: { parentId: saved[1]!.id, whole: ["turn"], appended: { messages: 1 } },
    });
    expect(await store.load(middle.id)).toEqual(middle);
    expect((await store.list(w.executionId)).map((cp) => cp.version)).toEqual([1, 2, 3, 4, 5]);
    expect(await ns.command("EXISTS", store.keys.hiddenIndex(w.executionId))).toBe(0);
  });
});

describe("time to live", () => {
  it("a row never expires before a row that reads through it", async () => {
    const ttl = 3000;
    const store = ns.store({ ttl });
    const w = new ChatWriter(store);
    const saved = await w.run(3);
    await sleep(1500);
    let newest = saved[saved.length - 1]!;
    for (let i = 0; i < 2; i++) newest = await w.step(newest);
    const chain = [...saved, newest];
    const expiries: number[] = [];
    for (const cp of chain) expiries.push(Number(await ns.command("PEXPIRETIME", store.keys.checkpoint(cp.id))));
    for (let i = 1; i < expiries.length; i++) expect(expiries[i - 1]).toBeGreaterThanOrEqual(expiries[i]!);
    // The first rows' own time to live has passed; the newest still reads through them.
    await sleep(2000);
    expect(await store.load(newest.id)).toEqual(newest);
  }, 20_000);
});
