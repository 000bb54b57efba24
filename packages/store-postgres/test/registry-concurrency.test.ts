import { randomBytes } from "node:crypto";
import { LeaseLostError, type Checkpoint, type Lease, type StatusChange } from "@lg/core";
import { createTestCheckpoint } from "@lg/store-testkit";
import { PostgresCheckpointStore } from "../src/index.js";
import { resolveOptions, type ResolvedPostgresOptions } from "../src/options.js";
import { buildRegistryStatements, leaseHeld, type RegistryStatements } from "../src/registry-sql.js";
import { useAdminClient, useTestStore } from "./helpers.js";

const id = (label: string): string => `${label}-${randomBytes(4).toString("hex")}`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 25 ms for up to `ms`; whether it became true. */
async function eventually(condition: () => boolean | Promise<boolean>, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
}

// Two store instances on one schema, each with its own connection pool: what two worker processes have.
describe("the registry shared by two store instances", () => {
  const t = useTestStore({ poolSize: 6 });
  const admin = useAdminClient();
  let other: PostgresCheckpointStore;

  beforeAll(async () => {
    other = await PostgresCheckpointStore.connect({ connString: t.url, schema: t.schema, poolSize: 6 });
  });
  afterAll(async () => {
    await other?.close();
  });

  const options = (): ResolvedPostgresOptions => resolveOptions({ connString: t.url, schema: t.schema });
  const statements = (): RegistryStatements => buildRegistryStatements(options());

  /** Whether a statement on this schema's registry, matching `pattern`, waits for a lock. */
  async function waitsOnLock(pattern: string): Promise<boolean> {
    const rows = await admin.sql.unsafe(
      "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1 AND query LIKE $2",
      [`%${t.schema}%checkpoints_executions%`, pattern],
    );
    return rows.length > 0;
  }

  it("gives each of 120 executions to exactly one of 16 concurrent claimers across both pools", async () => {
    const graph = id("g");
    const ids = Array.from({ length: 120 }, (_, i) => `${graph}-${String(i).padStart(3, "0")}`);
    await Promise.all(
      ids.map((executionId) =>
        t.store.registry.enqueue({ executionId, graphName: graph, graphVersion: "v1", input: "{}", inputKey: "k" }),
      ),
    );
    const claimed: Lease[] = [];
    const claimer = async (store: PostgresCheckpointStore, owner: string): Promise<void> => {
      for (let empty = 0; empty < 3;) {
        const leases = await store.registry.claim({
          owner,
          graphs: [{ name: graph, version: "v1" }],
          limit: 3,
          leaseMs: 60_000,
        });
        claimed.push(...leases);
        empty = leases.length === 0 ? empty + 1 : 0;
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, i) => claimer(i % 2 === 0 ? t.store : other, `worker-${i}`)));
    const claimedIds = claimed.map((lease) => lease.executionId).sort();
    expect(claimedIds).toEqual(ids);
    expect(new Set(claimed.map((lease) => lease.token)).size).toBe(ids.length);
    expect(claimed.every((lease) => lease.record.attempts === 1)).toBe(true);
    expect((await t.store.registry.counts()).running).toBeGreaterThanOrEqual(ids.length);
  });

  it("delivers a change made by one instance to a subscriber of the other, until it unsubscribes", async () => {
    const executionId = id("notify");
    const heard: StatusChange[] = [];
    const stop = await other.registry.subscribe((change) => {
      if (change.executionId === executionId) heard.push(change);
    });
    try {
      await t.store.registry.enqueue({ executionId, graphName: "g", graphVersion: "v1", input: "{}", inputKey: "k" });
      expect(await eventually(() => heard.length === 1)).toBe(true);
      expect(heard).toEqual([{ executionId, status: "queued" }]);
      await t.store.registry.cancel(executionId);
      expect(await eventually(() => heard.length === 2)).toBe(true);
      expect(heard[1]).toEqual({ executionId, status: "cancelled" });
    } finally {
      await stop();
    }
    await t.store.registry.enqueue({ executionId, graphName: "g", graphVersion: "v1", input: "{}", inputKey: "k2" });
    await sleep(300);
    expect(heard).toHaveLength(2);
  });

  it("refuses a save whose lease a claim took over while the save waited for the record", async () => {
    const executionId = id("wait");
    await t.store.registry.enqueue({
      executionId,
      graphName: "g-wait",
      graphVersion: "v1",
      input: "{}",
      inputKey: "k",
    });
    const [lease] = await t.store.registry.claim({
      owner: "old",
      graphs: [{ name: "g-wait", version: "v1" }],
      limit: 1,
      leaseMs: 100,
    });
    if (lease === undefined) throw new Error("nothing claimed");
    await sleep(200);
    const takeover = await admin.sql.reserve();
    try {
      // A takeover under way: another worker's claim of the expired lease, run as the store runs it, not yet
      // committed.
      await takeover.unsafe("BEGIN");
      const taken = await takeover.unsafe(statements().claim, ["new", "{g-wait}", "{v1}", 1, 60_000, "{tok-new}"]);
      expect(taken).toHaveLength(1);
      const save = t.store.save(createTestCheckpoint({ executionId, version: 1 }), { lease });
      save.catch(() => undefined);
      const waiting = await eventually(() => waitsOnLock("%FOR KEY SHARE%"));
      expect(waiting).toBe(true);
      await takeover.unsafe("COMMIT");
      await expect(save).rejects.toBeInstanceOf(LeaseLostError);
      expect(await t.store.latest(executionId)).toBeUndefined();
    } finally {
      await takeover.unsafe("ROLLBACK").catch(() => undefined);
      takeover.release();
    }
  });

  /**
   * Claims a new execution and holds, in a transaction of its own, the lock a fenced save of that lease takes on the
   * record (a save under way, or one whose client gave up while the server went on); runs `check`, which commits it.
   */
  async function withSaveUnderWay(
    label: string,
    check: (lease: Lease, commit: () => Promise<unknown>) => Promise<void>,
  ): Promise<void> {
    const executionId = id(label);
    const graph = id(`g-${label}`);
    await t.store.registry.enqueue({ executionId, graphName: graph, graphVersion: "v1", input: "{}", inputKey: "k" });
    const served = [{ name: graph, version: "v1" }];
    const [lease] = await t.store.registry.claim({ owner: "w", graphs: served, limit: 1, leaseMs: 60_000 });
    if (lease === undefined) throw new Error("nothing claimed");
    const saving = await admin.sql.reserve();
    try {
      await saving.unsafe("BEGIN");
      const held = await saving.unsafe(leaseHeld(options(), "$1::text", "$2::text"), [lease.token, executionId]);
      expect(held).toHaveLength(1);
      await check(lease, () => saving.unsafe("COMMIT"));
    } finally {
      await saving.unsafe("ROLLBACK").catch(() => undefined);
      saving.release();
    }
  }

  /** Runs `call` while the save holds its lock: it must wait for the lock (`waiting` names its statement), then end. */
  async function waitsForTheSave<T>(call: Promise<T>, waiting: string, commit: () => Promise<unknown>): Promise<T> {
    let settled = false;
    const tracked = call.finally(() => {
      settled = true;
    });
    expect(await eventually(() => waitsOnLock(waiting))).toBe(true);
    expect(settled).toBe(false);
    await commit();
    return tracked;
  }

  it("lets a renewal pass a save under way, and makes a cancel wait for it", async () => {
    await withSaveUnderWay("pass", async (lease, commit) => {
      const renewal = t.store.registry.renew([lease], 60_000);
      const renewed = await Promise.race([renewal, sleep(5_000).then(() => "still waiting" as const)]);
      expect(renewed).toMatchObject({ lost: [] });
      const cancelled = t.store.registry.cancel(lease.executionId);
      await expect(waitsForTheSave(cancelled, "%status = 'cancelled'%", commit)).resolves.toMatchObject({
        status: "cancelled",
      });
    });
  });

  it("makes a release wait for a save of the same lease still under way", async () => {
    await withSaveUnderWay("rel", async (lease, commit) => {
      const released = t.store.registry.release(lease, { status: "done" });
      await expect(waitsForTheSave(released, "%error = CASE%", commit)).resolves.toMatchObject({ status: "done" });
    });
  });

  it("never commits a save under an old lease after the takeover, however the two race", async () => {
    for (let round = 0; round < 8; round++) {
      const executionId = id(`race${round}`);
      const graph = id("g-race");
      const served = [{ name: graph, version: "v1" }];
      await t.store.registry.enqueue({ executionId, graphName: graph, graphVersion: "v1", input: "{}", inputKey: "k" });
      const [zombie] = await t.store.registry.claim({ owner: "zombie", graphs: served, limit: 1, leaseMs: 200 });
      if (zombie === undefined) throw new Error("nothing claimed");
      // The zombie saves version after version until it hears that its lease is lost.
      const saved: Checkpoint[] = [];
      const zombieRun = (async () => {
        let parent: Checkpoint | undefined;
        for (let version = 1; version < 10_000; version++) {
          const cp = createTestCheckpoint({ executionId, version, nodeName: "zombie" });
          if (parent !== undefined) cp.parentId = parent.id;
          // Whole saves and incremental ones take the two fenced statements.
          const changes =
            parent === undefined || version % 2 === 0
              ? undefined
              : { parentId: parent.id, whole: ["counter", "nested"], appended: {} };
          try {
            await t.store.save(cp, { lease: zombie, changes });
          } catch (error) {
            if (error instanceof LeaseLostError) return;
            throw error;
          }
          saved.push(cp);
          parent = cp;
        }
        throw new Error("the zombie never lost its lease");
      })();
      // The other instance takes over once the lease expired, and reads what it continues from at once.
      let seenAtTakeover = -1;
      const takeover = (async () => {
        for (;;) {
          const [lease] = await other.registry.claim({ owner: "heir", graphs: served, limit: 1, leaseMs: 60_000 });
          if (lease !== undefined) {
            seenAtTakeover = (await other.latest(executionId))?.version ?? 0;
            return;
          }
          await sleep(5);
        }
      })();
      await Promise.all([zombieRun, takeover]);
      const stored = await t.store.list(executionId);
      expect(stored.length).toBe(saved.length);
      // Every save the zombie was told committed is seen by the heir right after its claim: none landed later.
      expect(Math.max(0, ...saved.map((cp) => cp.version))).toBeLessThanOrEqual(seenAtTakeover);
    }
  });
});
