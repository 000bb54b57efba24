import {
  CheckpointConflictError,
  Command,
  END,
  START,
  StateGraph,
  createCheckpointId,
  interrupt,
  type Checkpoint,
  type TaskResults,
} from "@lg/core";
import { MIGRATIONS } from "../src/migrations.js";
import {
  RELEASE_0_1_APPLIED_AT,
  RELEASE_0_1_COLUMNS,
  createRelease01File,
  release01Execution,
} from "./fixtures/release-0.1.js";
import { useFixtureFile } from "./fixture-file.js";

let legacy: Checkpoint[];
const file = useFixtureFile((path) => {
  legacy = release01Execution();
  createRelease01File(path, legacy);
});
const withFile = file.read;
const open = file.open;

const oldColumns = (): unknown[] =>
  withFile((db) => db.prepare(`SELECT ${RELEASE_0_1_COLUMNS} FROM checkpoints ORDER BY version`).raw(true).all());

function taskResults(): TaskResults {
  return {
    nodes: {
      draft: { writes: { drafts: ["v2"], at: new Date(Date.UTC(2025, 2, 3)) } },
      review: { resumes: [true, undefined] },
    },
    interrupts: [{ node: "review", when: "inside", value: { question: "Publish?" } }],
    updateKeys: ["k-1"],
    anchorId: createCheckpointId(),
  };
}

describe("opening a file written by release 0.1.0 (schema version 1)", () => {
  it("adds a nullable tasks column, records migrations 2 to 4 and leaves every old row as it was", () => {
    const before = oldColumns();
    expect(open().schemaVersion).toBe(MIGRATIONS.length);
    const tasksColumn = withFile((db) =>
      db
        .prepare("SELECT type, \"notnull\", dflt_value FROM pragma_table_info('checkpoints') WHERE name = 'tasks'")
        .get(),
    );
    expect(tasksColumn).toEqual({ type: "TEXT", notnull: 0, dflt_value: null });
    const records = withFile((db) =>
      db.prepare('SELECT version, applied_at FROM "checkpoints_migrations" ORDER BY version').all(),
    );
    expect(records).toEqual([
      { version: 1, applied_at: RELEASE_0_1_APPLIED_AT },
      { version: 2, applied_at: expect.any(Number) },
      { version: 3, applied_at: expect.any(Number) },
      { version: 4, applied_at: expect.any(Number) },
    ]);
    expect(oldColumns()).toEqual(before);
    expect(withFile((db) => db.prepare("SELECT tasks FROM checkpoints").pluck().all())).toEqual([null, null, null]);
  });

  it("loads the old rows unchanged through load, latest and list; the paused one keeps metadata.interrupts", async () => {
    const upgraded = open();
    const paused = legacy[2] as Checkpoint;
    for (const cp of legacy) {
      const loaded = await upgraded.load(cp.id);
      expect(loaded).toEqual(cp);
      expect(loaded).not.toHaveProperty("tasks");
    }
    expect(await upgraded.latest(paused.executionId)).toEqual(paused);
    expect((await upgraded.latest(paused.executionId))?.metadata.interrupts).toEqual([
      { node: "review", when: "inside", value: { question: "Publish?", budget: 10n ** 12n } },
    ]);
    expect(await upgraded.list(paused.executionId)).toEqual(legacy);
  });

  it("saves and reads new checkpoints with task results beside the old rows", async () => {
    const upgraded = open();
    const paused = legacy[2] as Checkpoint;
    const resumed: Checkpoint = {
      ...paused,
      id: createCheckpointId(),
      nodeName: "__interrupt__",
      metadata: { source: "loop", step: 1, execution_id: paused.executionId },
      version: 4,
      parentId: paused.id,
      tasks: taskResults(),
    };
    await upgraded.save(resumed);
    expect(await upgraded.load(resumed.id)).toEqual(resumed);
    expect(await upgraded.latest(paused.executionId)).toEqual(resumed);
    expect(await upgraded.list(paused.executionId, { order: "desc", limit: 2 })).toEqual([resumed, paused]);
    const stored = withFile((db) => db.prepare("SELECT tasks, metadata FROM checkpoints WHERE id = ?").get(resumed.id));
    expect(stored).toMatchObject({ tasks: expect.stringContaining('"anchorId"') });
    expect((stored as { metadata: string }).metadata).not.toContain("anchorId");
  });

  it("treats an old checkpoint re-saved as it was as a no-op, and one re-saved with tasks as a conflict", async () => {
    const upgraded = open();
    const paused = legacy[2] as Checkpoint;
    await expect(upgraded.save(paused)).resolves.toBeUndefined();
    await expect(upgraded.save({ ...paused, tasks: taskResults() })).rejects.toBeInstanceOf(CheckpointConflictError);
    expect(await upgraded.load(paused.id)).toEqual(paused);
  });

  it("resumes the execution paused under 0.1.0: the finished node's writes are kept, the paused one gets the answer", async () => {
    type S = { topic: string; drafts: string[]; due?: Date; approved?: string };
    let draftRuns = 0;
    const app = new StateGraph<S>({ channels: {} })
      .addNode("plan", () => ({}))
      .addNode("draft", () => {
        draftRuns++;
        return { drafts: ["rewritten"] };
      })
      .addNode("review", () => ({ approved: interrupt<string>("Publish?") }))
      .addEdge(START, "plan")
      .addEdge("plan", "draft")
      .addEdge("plan", "review")
      .addEdge("draft", END)
      .addEdge("review", END)
      .compile({ checkpoint: { store: open() } });
    const paused = legacy[2] as Checkpoint;
    const done = await app.invoke(new Command({ resume: "yes" }), { executionId: paused.executionId });
    expect(done.status).toBe("done");
    expect(done.state).toEqual({ ...(paused.state as S), drafts: ["v1"], approved: "yes" });
    expect(draftRuns).toBe(0);
    expect(await file.store()?.load(paused.id)).toEqual(paused);
  });

  it("opens the upgraded file again without applying anything twice", async () => {
    await open().close();
    const records = withFile((db) => db.prepare('SELECT * FROM "checkpoints_migrations" ORDER BY version').all());
    expect(open().schemaVersion).toBe(MIGRATIONS.length);
    expect(withFile((db) => db.prepare('SELECT * FROM "checkpoints_migrations" ORDER BY version').all())).toEqual(
      records,
    );
  });
});
