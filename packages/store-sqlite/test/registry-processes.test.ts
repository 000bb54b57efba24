import { join } from "node:path";
import type { ExecutionRegistry, Lease } from "@lg/core";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import type { ClaimerCommand, ClaimerReply } from "./fixtures/claimer-process.js";
import { startChild, type Child } from "./child-process.js";
import { makeTempDir, randomExecutionId, type TempDir } from "./helpers.js";

/**
 * Claims from one file by several connections at once: two store instances in this process, and two real Node
 * processes (test/fixtures/claimer-process.ts through tsx) working through a queue as workers do. Each execution must
 * go to exactly one claimer.
 */
const CLAIMER_SCRIPT = join(__dirname, "fixtures", "claimer-process.ts");
const GRAPH = { name: "jobs", version: "v1" };

type Claimer = Child<ClaimerCommand, ClaimerReply>;

let temp: TempDir;

beforeEach(() => {
  temp = makeTempDir();
});

afterEach(() => temp.remove());

/** Enqueues `count` new executions through a store of its own and returns their ids. */
async function enqueueMany(file: string, count: number): Promise<string[]> {
  const store = new SqliteCheckpointStore({ path: file });
  try {
    const prefix = randomExecutionId("job");
    const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    for (const executionId of ids)
      await store.registry.enqueue({ ...graphOf(), executionId, input: "{}", inputKey: "k" });
    return ids;
  } finally {
    await store.close();
  }
}

function graphOf(): { graphName: string; graphVersion: string } {
  return { graphName: GRAPH.name, graphVersion: GRAPH.version };
}

/** Claims with `registry` until a claim finds nothing; returns the leases. */
async function drain(registry: ExecutionRegistry, owner: string): Promise<Lease[]> {
  const taken: Lease[] = [];
  for (;;) {
    const leases = await registry.claim({ owner, graphs: [GRAPH], limit: 3, leaseMs: 60_000 });
    if (leases.length === 0) return taken;
    taken.push(...leases);
  }
}

function duplicates(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
}

describe("claims from one file by several connections", () => {
  it("two store instances claiming concurrently share out 120 executions, each to one of them", async () => {
    const ids = await enqueueMany(temp.file(), 120);
    const stores = [0, 1, 2, 3].map(() => new SqliteCheckpointStore({ path: temp.file() }));
    try {
      // Four drains on two connections each: claims of one instance overlap each other and the other instance's.
      const results = await Promise.all(stores.map((s, i) => drain(s.registry, `owner-${i}`)));
      const claimed = results.flat().map((l) => l.executionId);
      expect(duplicates(claimed)).toEqual([]);
      expect([...claimed].sort()).toEqual([...ids].sort());
      expect(results.flat().every((l) => l.record.attempts === 1)).toBe(true);
      expect(await stores[0]?.registry.counts()).toMatchObject({ queued: 0, running: 120 });
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("two processes working through 150 executions each claim, save and release different ones", async () => {
    const ids = await enqueueMany(temp.file(), 150);
    const claimers: Claimer[] = [0, 1].map(() => startChild<ClaimerCommand, ClaimerReply>(CLAIMER_SCRIPT));
    try {
      const opened = await Promise.all(claimers.map((c) => c.send({ kind: "open", file: temp.file() })));
      expect(opened).toEqual([{ kind: "opened" }, { kind: "opened" }]);
      const startAt = Date.now() + 300;
      const replies = await Promise.all(
        claimers.map((c, i) => c.send({ kind: "work", owner: `process-${i}`, graph: GRAPH, startAt })),
      );
      const done = replies.map((reply) => {
        if (reply.kind !== "done") throw new Error(`claimer did not finish: ${JSON.stringify(reply)}`);
        return reply;
      });
      expect(done.flatMap((reply) => reply.errors)).toEqual([]);
      const claimed = done.flatMap((reply) => reply.claimed);
      expect(duplicates(claimed)).toEqual([]);
      expect([...claimed].sort()).toEqual([...ids].sort());
      // Both started at the same instant on a queue far longer than one claim: each really competed.
      expect(Math.min(...done.map((reply) => reply.claimed.length))).toBeGreaterThan(0);

      const store = new SqliteCheckpointStore({ path: temp.file() });
      try {
        expect(await store.registry.counts()).toMatchObject({ queued: 0, running: 0, done: 150 });
        const owners = new Map(done.flatMap((reply, i) => reply.claimed.map((id) => [id, `process-${i}`] as const)));
        for (const executionId of ids) {
          const saved = await store.list(executionId);
          // Exactly one checkpoint, by the process that held the lease.
          expect(saved.map((cp) => (cp.state as { owner: string }).owner)).toEqual([owners.get(executionId)]);
          expect((await store.registry.get(executionId))?.attempts).toBe(1);
        }
      } finally {
        await store.close();
      }
    } finally {
      await Promise.all(claimers.map((c) => c.stop({ kind: "exit" })));
    }
  }, 60_000);
});
