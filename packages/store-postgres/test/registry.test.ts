import { randomBytes } from "node:crypto";
import {
  ExecutionBusyError,
  LeaseLostError,
  StoreClosedError,
  type EnqueueRequest,
  type ExecutionRegistry,
} from "@lg/core";
import { PostgresCheckpointStore, type PostgresExecutionRegistry } from "../src/index.js";
import { useAdminClient, useTestStore } from "./helpers.js";

const id = (label: string): string => `${label}-${randomBytes(4).toString("hex")}`;

function request(executionId: string, inputKey = "k1", graphName = "g"): EnqueueRequest {
  return { executionId, graphName, graphVersion: "v1", input: '{"n":1}', inputKey };
}

describe("PostgresExecutionRegistry", () => {
  const t = useTestStore();
  const admin = useAdminClient();
  const registry = (): PostgresExecutionRegistry => t.store.registry;
  // Each test claims only its own graph, so the tests of this file do not take each other's executions.
  const serve = (graph: string) => ({
    owner: "w1",
    graphs: [{ name: graph, version: "v1" }],
    limit: 10,
    leaseMs: 60_000,
  });

  it("enqueues: created, existing, busy, requeued with the graph kept", async () => {
    const executionId = id("enq");
    const graph = id("g");
    const created = await registry().enqueue(request(executionId, "k1", graph));
    expect(created.outcome).toBe("created");
    expect(created.record).toMatchObject({ executionId, status: "queued", graphName: graph, attempts: 0 });
    expect(created.record.createdAt).toEqual(created.record.updatedAt);
    expect(created.record.createdAt.getTime() % 1).toBe(0);
    expect(await registry().enqueue(request(executionId, "k1", graph))).toEqual({
      outcome: "existing",
      record: created.record,
    });
    await expect(registry().enqueue(request(executionId, "k2", graph))).rejects.toBeInstanceOf(ExecutionBusyError);
    const [lease] = await registry().claim(serve(graph));
    if (lease === undefined) throw new Error("nothing claimed");
    await registry().release(lease, { status: "failed", error: "boom" });
    const requeued = await registry().enqueue({ ...request(executionId, "k2", "other"), graphVersion: "v9" });
    expect(requeued.outcome).toBe("requeued");
    expect(requeued.record).toMatchObject({ status: "queued", graphName: graph, graphVersion: "v1", inputKey: "k2" });
    expect(requeued.record.error).toBeUndefined();
    expect(requeued.record.attempts).toBe(1);
  });

  it("claims oldest first with a lease from the server's clock, renews, releases and fences", async () => {
    const graph = id("g");
    const ids = [id("c1"), id("c2"), id("c3")];
    for (const executionId of ids) await registry().enqueue(request(executionId, "k", graph));
    const leases = await registry().claim({ ...serve(graph), limit: 2, leaseMs: 5000 });
    expect(leases.map((lease) => lease.executionId)).toEqual(ids.slice(0, 2));
    const first = leases[0];
    if (first === undefined) throw new Error("nothing claimed");
    expect(first.record).toMatchObject({ status: "running", owner: "w1", attempts: 1 });
    const expiry = first.record.leaseExpiresAt?.getTime() ?? 0;
    expect(expiry - first.record.updatedAt.getTime()).toBe(5000);
    expect(await registry().get(first.executionId)).toEqual(first.record);

    const renewed = await registry().renew([first, { executionId: ids[2] as string, token: "nope" }], 9000);
    expect(renewed.lost).toEqual([ids[2]]);
    expect((await registry().get(first.executionId))?.leaseExpiresAt).toEqual(renewed.expiresAt);
    expect((await registry().renew([], 1000)).lost).toEqual([]);

    await expect(registry().release({ ...first, token: "stale" }, { status: "done" })).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    const done = await registry().release(first, { status: "done", error: "ignored" });
    expect(done).toMatchObject({ status: "done", attempts: 1 });
    expect(done.owner).toBeUndefined();
    expect(done.leaseExpiresAt).toBeUndefined();
    expect(done.error).toBeUndefined();
    expect((await registry().renew([first], 1000)).lost).toEqual([first.executionId]);
    expect(await registry().claim({ ...serve(graph), graphs: [] })).toEqual([]);
    expect(await registry().claim({ ...serve(graph), graphs: [{ name: graph, version: "v2" }] })).toEqual([]);
  });

  it("claims a running execution again once its lease expired, with a new token", async () => {
    const graph = id("g");
    const executionId = id("exp");
    await registry().enqueue(request(executionId, "k", graph));
    const [old] = await registry().claim({ ...serve(graph), leaseMs: 1 });
    if (old === undefined) throw new Error("nothing claimed");
    let again: Awaited<ReturnType<ExecutionRegistry["claim"]>> = [];
    for (let i = 0; i < 100 && again.length === 0; i++) {
      again = await registry().claim({ ...serve(graph), owner: "w2" });
      if (again.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(again).toHaveLength(1);
    expect(again[0]?.token).not.toBe(old.token);
    expect(again[0]?.record).toMatchObject({ owner: "w2", attempts: 2 });
    await expect(registry().release(old, { status: "done" })).rejects.toBeInstanceOf(LeaseLostError);
  });

  it("cancels, lists by id in code point order with statuses and counts every status", async () => {
    const graph = id("g");
    const prefix = id("list");
    const ids = [`${prefix}-\u{1F600}`, `${prefix}-\uFFFD`, `${prefix}-a'%*:"`, `${prefix}-b`];
    for (const executionId of ids) await registry().enqueue(request(executionId, "k", graph));
    expect((await registry().cancel(ids[3] as string))?.status).toBe("cancelled");
    expect((await registry().cancel(ids[3] as string))?.status).toBe("cancelled");
    expect(await registry().cancel(id("none"))).toBeUndefined();
    expect(await registry().get(`${prefix}\uD800`)).toBeUndefined();

    const seen: string[] = [];
    let cursor: string | undefined = prefix;
    for (;;) {
      const page: Awaited<ReturnType<ExecutionRegistry["list"]>> = await registry().list({ limit: 1, cursor });
      const [record] = page.records;
      if (record === undefined || !record.executionId.startsWith(prefix)) break;
      seen.push(record.executionId);
      if (page.nextCursor === undefined) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([ids[2], ids[3], ids[1], ids[0]]);
    const cancelled = await registry().list({ status: "cancelled" });
    expect(cancelled.records.map((r) => r.executionId)).toContain(ids[3]);
    expect(cancelled.records.every((r) => r.status === "cancelled")).toBe(true);
    const counts = await registry().counts();
    expect(Object.keys(counts).sort()).toEqual(["cancelled", "done", "failed", "paused", "queued", "running"]);
    expect(counts.cancelled).toBeGreaterThanOrEqual(1);
  });

  it("holds execution ids of any length, and announces their changes", async () => {
    const executionId = id("long") + "\u00e9".repeat(5000);
    const graph = id("g");
    const changes: string[] = [];
    const stop = await registry().subscribe((change) => {
      if (change.executionId === executionId) changes.push(change.status);
    });
    try {
      expect((await registry().enqueue(request(executionId, "k", graph))).outcome).toBe("created");
      const [lease] = await registry().claim(serve(graph));
      expect(lease?.executionId).toBe(executionId);
      await registry().cancel(executionId);
      for (let i = 0; i < 200 && changes.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(changes).toEqual(["queued", "cancelled"]); // a claim (running) is not announced
    } finally {
      await stop();
    }
  });

  it("keeps its rows in <table>_executions and serves claim from partial indexes", async () => {
    const indexes = await admin.sql.unsafe(
      "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'checkpoints_executions'",
      [t.schema],
    );
    expect(indexes.map((row) => String(row.indexname)).sort()).toEqual([
      "idx_checkpoints_reg_expiry",
      "idx_checkpoints_reg_key",
      "idx_checkpoints_reg_queued",
    ]);
    const executionId = id("raw");
    await registry().enqueue(request(executionId));
    const [row] = await admin.sql.unsafe(
      `SELECT status, lease_token FROM "${t.schema}".checkpoints_executions WHERE execution_id = $1`,
      [executionId],
    );
    expect(row).toEqual({ status: "queued", lease_token: null });
  });

  it("rejects calls once the store is closed", async () => {
    const other = new PostgresCheckpointStore({ connString: t.url, schema: t.schema });
    await other.close();
    await expect(other.registry.get("x")).rejects.toBeInstanceOf(StoreClosedError);
  });
});
