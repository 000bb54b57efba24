import { LeaseLostError, type Checkpoint, type EnqueueRequest, type Lease, type StateChanges } from "@lg/core";
import type { SqliteCheckpointStore } from "@lg/store-sqlite";
import { MIGRATIONS } from "../src/migrations.js";
import { useFixtureFile } from "./fixture-file.js";
import { CHAT_STEP_CHANGES, nextChatCheckpoint, type ChatState } from "./fixtures/schema-2.js";
import { SCHEMA_3_APPLIED_AT, createSchema3File, schema3Execution } from "./fixtures/schema-3.js";

/**
 * A file of schema version 3 (incremental rows, no registry yet), as the release before the execution registry left
 * it: opening it adds the executions table, and an execution that ran before the upgrade is then submitted, claimed
 * and continued under a lease that fences its saves.
 */
let legacy: Checkpoint<ChatState>[];
const file = useFixtureFile((path) => {
  legacy = schema3Execution();
  createSchema3File(path, legacy);
});

const GRAPH = { name: "chat", version: "v1" };
const executionId = (): string => (legacy[0] as Checkpoint).executionId;
const newest = (): Checkpoint<ChatState> => legacy[legacy.length - 1] as Checkpoint<ChatState>;

function submission(inputKey: string): EnqueueRequest {
  return { executionId: executionId(), graphName: GRAPH.name, graphVersion: GRAPH.version, input: "{}", inputKey };
}

async function claimOne(store: SqliteCheckpointStore, owner: string): Promise<Lease> {
  const [lease] = await store.registry.claim({ owner, graphs: [GRAPH], limit: 1, leaseMs: 60_000 });
  if (lease === undefined) throw new Error(`${owner} claimed nothing`);
  return lease;
}

/** The next step of the chat, and the changes an incremental save of it is given. */
function stepAfter(parent: Checkpoint<ChatState>): { cp: Checkpoint<ChatState>; changes: StateChanges } {
  return { cp: nextChatCheckpoint(parent), changes: { parentId: parent.id, ...CHAT_STEP_CHANGES } };
}

describe("opening a file of schema version 3 (before the execution registry)", () => {
  it("applies migration 4 only: an empty executions table; old rows, items and migration records unchanged", () => {
    const rowsOf = (): unknown =>
      file.read((db) => [
        db.prepare("SELECT * FROM checkpoints ORDER BY version").raw(true).all(),
        db.prepare("SELECT * FROM checkpoints_items").raw(true).all(),
      ]);
    const before = rowsOf();
    expect(open().schemaVersion).toBe(MIGRATIONS.length);
    expect(MIGRATIONS.length).toBe(4);
    expect(rowsOf()).toEqual(before);
    file.read((db) => {
      expect(db.prepare('SELECT version, applied_at FROM "checkpoints_migrations" ORDER BY version').all()).toEqual([
        { version: 1, applied_at: SCHEMA_3_APPLIED_AT },
        { version: 2, applied_at: SCHEMA_3_APPLIED_AT },
        { version: 3, applied_at: SCHEMA_3_APPLIED_AT },
        { version: 4, applied_at: expect.any(Number) },
      ]);
      expect(db.prepare('SELECT COUNT(*) FROM "checkpoints_executions"').pluck().get()).toBe(0);
    });
  });

  it("reads the old full and delta rows back whole", async () => {
    const upgraded = open();
    expect(await upgraded.list(executionId())).toEqual(legacy);
    expect(await upgraded.latest(executionId())).toEqual(newest());
    expect(await upgraded.registry.get(executionId())).toBeUndefined(); // it ran before there was a registry
  });

  it("submits, claims and continues an old execution under a lease; a lost lease writes nothing", async () => {
    const upgraded = open();
    expect((await upgraded.registry.enqueue(submission("resume-1"))).outcome).toBe("created");
    const first = await claimOne(upgraded, "worker-1");
    const next = stepAfter(newest());
    await upgraded.save(next.cp, { lease: first, changes: next.changes });
    expect(await upgraded.latest(executionId())).toEqual(next.cp);

    // worker-1 stops answering: the execution is cancelled, submitted again and claimed by worker-2.
    await upgraded.registry.cancel(executionId());
    expect((await upgraded.registry.enqueue(submission("resume-2"))).outcome).toBe("requeued");
    const second = await claimOne(upgraded, "worker-2");
    const zombie = stepAfter(next.cp);
    const zombieSave = upgraded.save(zombie.cp, { lease: first, changes: zombie.changes });
    await expect(zombieSave).rejects.toBeInstanceOf(LeaseLostError);
    const taken = stepAfter(next.cp);
    await upgraded.save(taken.cp, { lease: second, changes: taken.changes });
    expect(await upgraded.list(executionId())).toEqual([...legacy, next.cp, taken.cp]);
    expect(await upgraded.registry.release(second, { status: "done" })).toMatchObject({ status: "done", attempts: 2 });

    await upgraded.clear(executionId());
    expect(await upgraded.registry.get(executionId())).toBeUndefined();
    file.read((db) => {
      expect(db.prepare("SELECT COUNT(*) FROM checkpoints").pluck().get()).toBe(0);
      expect(db.prepare("SELECT COUNT(*) FROM checkpoints_items").pluck().get()).toBe(0);
    });
  });
});

function open(): SqliteCheckpointStore {
  return file.open();
}
