import { LeaseLostError, type EnqueueRequest, type StatusChange } from "@lg/core";
import { MemoryCheckpointStore } from "../src/index.js";
import { makeCheckpoint, newExecutionId } from "./fixtures.js";

// What the shared registry spec (conformance.test.ts) cannot see from outside: copies, listeners, close, clocks.

const GRAPHS = [{ name: "g", version: "1" }];

function request(executionId: string, inputKey = "k1"): EnqueueRequest {
  return { executionId, graphName: "g", graphVersion: "1", input: '{"n":1}', inputKey };
}

describe("memory execution registry", () => {
  it("hands out copies: mutating a returned record or a passed request changes nothing stored", async () => {
    const store = new MemoryCheckpointStore();
    const executionId = newExecutionId();
    const submitted = request(executionId);
    const { record } = await store.registry.enqueue(submitted);
    submitted.graphName = "changed";
    record.status = "done";
    record.createdAt.setTime(0);
    const [lease] = await store.registry.claim({ owner: "w", graphs: GRAPHS, limit: 1, leaseMs: 60_000 });
    lease!.record.leaseExpiresAt!.setTime(0);
    const stored = await store.registry.get(executionId);
    expect(stored).toMatchObject({ status: "running", graphName: "g", attempts: 1 });
    expect(stored!.createdAt.getTime()).toBeGreaterThan(0);
    expect(stored!.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now());
    expect(stored).not.toHaveProperty("token");
    await store.close();
  });

  it("a failing listener neither fails the call that changed the status nor silences other listeners", async () => {
    const store = new MemoryCheckpointStore();
    const heard: StatusChange[] = [];
    await store.registry.subscribe(() => {
      throw new Error("listener bug");
    });
    await store.registry.subscribe((change) => heard.push(change));
    const executionId = newExecutionId();
    await expect(store.registry.enqueue(request(executionId))).resolves.toMatchObject({ outcome: "created" });
    for (let i = 0; i < 200 && heard.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(heard).toEqual([{ executionId, status: "queued" }]);
    await store.close();
  });

  it("close ends the subscriptions and drops the records; another store's registry is its own", async () => {
    const store = new MemoryCheckpointStore();
    const other = new MemoryCheckpointStore();
    const heard: StatusChange[] = [];
    await store.registry.subscribe((change) => heard.push(change));
    await store.close();
    await other.registry.enqueue(request(newExecutionId()));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heard).toEqual([]);
    expect(await other.registry.counts()).toMatchObject({ queued: 1 });
    await expect(store.registry.counts()).rejects.toMatchObject({ code: "LG_STORE_CLOSED" });
    await other.close();
  });

  it("fences a save by the record of the lease's execution (a subgraph's run under its parent's lease)", async () => {
    const store = new MemoryCheckpointStore();
    const a = newExecutionId("a");
    await store.registry.enqueue(request(a));
    const [leaseOfA] = await store.registry.claim({ owner: "w", graphs: GRAPHS, limit: 1, leaseMs: 60_000 });
    const child = `${a}::sub::step::1`;
    await expect(store.save(makeCheckpoint(child, 1), { lease: leaseOfA! })).resolves.toBeUndefined();
    await store.registry.cancel(a);
    const error = await store.save(makeCheckpoint(child, 2), { lease: leaseOfA! }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect(error).toMatchObject({ executionId: a });
    expect((await store.latest(child))?.version).toBe(1);
    await store.close();
  });

  it("pages a status filter that matches few records across many ids", async () => {
    const store = new MemoryCheckpointStore();
    const ids: string[] = [];
    for (let i = 0; i < 250; i++) {
      const executionId = `x-${String(i).padStart(3, "0")}`;
      await store.registry.enqueue(request(executionId));
      if (i % 50 === 7) ids.push(executionId);
    }
    for (const executionId of ids) await store.registry.cancel(executionId);
    const first = await store.registry.list({ status: "cancelled", limit: 3 });
    expect(first.records.map((r) => r.executionId)).toEqual(ids.slice(0, 3));
    expect(first.nextCursor).toBe(ids[2]);
    const second = await store.registry.list({ status: "cancelled", limit: 3, cursor: first.nextCursor });
    expect(second.records.map((r) => r.executionId)).toEqual(ids.slice(3));
    expect(second.nextCursor).toBeUndefined();
    await store.close();
  });
});
