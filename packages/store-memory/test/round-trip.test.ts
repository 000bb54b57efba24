import { createCheckpointId, type Checkpoint } from "@lg/core";
import { MemoryCheckpointStore } from "../src/index.js";
import { makeCheckpoint, newExecutionId } from "./fixtures.js";

describe("round trip", () => {
  let store: MemoryCheckpointStore;
  beforeEach(() => {
    store = new MemoryCheckpointStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it("returns every field of a checkpoint unchanged", async () => {
    const executionId = newExecutionId();
    const parentId = createCheckpointId();
    const cp: Checkpoint = {
      id: createCheckpointId(),
      executionId,
      nodeName: "agent",
      state: { messages: ["hi", "there"], nested: { deep: [1, 2, { x: null }] }, flag: true, text: "ünïcødé ✓" },
      metadata: { source: "loop", step: 4, execution_id: executionId, user: { tenant: "t1" } },
      timestamp: new Date("2026-03-04T05:06:07.089Z"),
      version: 4,
      parentId,
      next: ["tools", "reviewer"],
    };
    await store.save(cp);
    const loaded = await store.load(cp.id);
    expect(loaded).toEqual(cp);
    expect(loaded?.timestamp).toBeInstanceOf(Date);
    expect(loaded?.timestamp.getTime()).toBe(cp.timestamp.getTime());
    expect(loaded?.parentId).toBe(parentId);
  });

  it("keeps parentId absent when it was absent", async () => {
    const cp = makeCheckpoint(newExecutionId(), 1);
    await store.save(cp);
    const loaded = await store.load(cp.id);
    expect(loaded).toBeDefined();
    expect(Object.prototype.hasOwnProperty.call(loaded, "parentId")).toBe(false);
  });

  it("round-trips Date, Map, Set, BigInt, Uint8Array, undefined, -0 and NaN in state and metadata", async () => {
    const state = {
      when: new Date("2025-12-31T23:59:59.999Z"),
      invalidDate: new Date(Number.NaN),
      lookup: new Map<unknown, unknown>([
        ["a", 1],
        [2, new Set(["nested"])],
      ]),
      tags: new Set([1, "two", 3n]),
      big: 12345678901234567890n,
      bytes: new Uint8Array([0, 1, 254, 255]),
      missing: undefined,
      negativeZero: -0,
      notANumber: Number.NaN,
      infinities: [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
      tagLookalike: { $lg: "date", v: "not a tag" },
    };
    const cp = makeCheckpoint(newExecutionId(), 1, { state, metadata: { source: "input", at: new Date(5), big: 7n } });
    await store.save(cp);
    const loaded = (await store.load(cp.id)) as Checkpoint<typeof state>;

    expect(loaded.state.when).toEqual(state.when);
    expect(Number.isNaN(loaded.state.invalidDate.getTime())).toBe(true);
    expect(loaded.state.lookup).toBeInstanceOf(Map);
    expect([...loaded.state.lookup.entries()]).toEqual([
      ["a", 1],
      [2, new Set(["nested"])],
    ]);
    expect(loaded.state.tags).toEqual(new Set([1, "two", 3n]));
    expect(loaded.state.big).toBe(12345678901234567890n);
    expect(loaded.state.bytes).toBeInstanceOf(Uint8Array);
    expect([...loaded.state.bytes]).toEqual([0, 1, 254, 255]);
    expect(Object.prototype.hasOwnProperty.call(loaded.state, "missing")).toBe(true);
    expect(loaded.state.missing).toBeUndefined();
    expect(Object.is(loaded.state.negativeZero, -0)).toBe(true);
    expect(Number.isNaN(loaded.state.notANumber)).toBe(true);
    expect(loaded.state.infinities).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(loaded.state.tagLookalike).toEqual({ $lg: "date", v: "not a tag" });
    expect(loaded.metadata).toEqual({ source: "input", at: new Date(5), big: 7n });
  });

  it("round-trips ids and execution ids with any characters", async () => {
    const executionId = `exé:"quoted" *%'{}\u{1F600}-${createCheckpointId()}`;
    const cp = makeCheckpoint(executionId, 1, { id: `id:*%"'\u{1F680}-${createCheckpointId()}` });
    await store.save(cp);
    expect((await store.load(cp.id))?.executionId).toBe(executionId);
    expect((await store.latest(executionId))?.id).toBe(cp.id);
    const page = await store.listExecutions();
    expect(page.executions.map((e) => e.executionId)).toEqual([executionId]);
  });

  it("returns undefined for an unknown id and [] for an unknown execution", async () => {
    expect(await store.load("no-such-id")).toBeUndefined();
    expect(await store.list("no-such-execution")).toEqual([]);
    expect(await store.latest("no-such-execution")).toBeUndefined();
  });
});
