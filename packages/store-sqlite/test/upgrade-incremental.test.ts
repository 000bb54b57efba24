import type { Checkpoint, StateChanges } from "@lg/core";
import { checkpointHeader, deserializeCheckpoint } from "@lg/core/store";
import type { SqliteCheckpointStore } from "@lg/store-sqlite";
import { MIGRATIONS } from "../src/migrations.js";
import {
  SCHEMA_2_APPLIED_AT,
  SCHEMA_2_COLUMNS,
  CHAT_STEP_CHANGES,
  createSchema2File,
  nextChatCheckpoint,
  schema2Execution,
  type ChatState,
} from "./fixtures/schema-2.js";
import { useFixtureFile } from "./fixture-file.js";

let legacy: Checkpoint<ChatState>[];
const file = useFixtureFile((path) => {
  legacy = schema2Execution();
  createSchema2File(path, legacy);
});
const withFile = file.read;
const open = file.open;

const executionId = (): string => (legacy[0] as Checkpoint).executionId;
const newest = (): Checkpoint<ChatState> => legacy[legacy.length - 1] as Checkpoint<ChatState>;

/** The checkpoint after `parent` with one more message, saved as the runtime saves it: only the changes. */
async function step(target: SqliteCheckpointStore, parent: Checkpoint<ChatState>): Promise<Checkpoint<ChatState>> {
  const cp = nextChatCheckpoint(parent);
  const changes: StateChanges = { parentId: parent.id, ...CHAT_STEP_CHANGES };
  await target.save(cp, { changes });
  return cp;
}

describe("opening a file of schema version 2 (before incremental rows)", () => {
  it("applies migrations 3 and 4: every old row becomes a visible full row, unchanged; the items table is empty", () => {
    const before = withFile((db) =>
      db.prepare(`SELECT ${SCHEMA_2_COLUMNS} FROM checkpoints ORDER BY version`).raw(true).all(),
    );
    expect(open().schemaVersion).toBe(MIGRATIONS.length);
    expect(MIGRATIONS.length).toBe(4);
    withFile((db) => {
      expect(db.prepare(`SELECT ${SCHEMA_2_COLUMNS} FROM checkpoints ORDER BY version`).raw(true).all()).toEqual(
        before,
      );
      const added = db.prepare("SELECT DISTINCT kind, hidden, chain_parent, item_counts FROM checkpoints").all();
      expect(added).toEqual([{ kind: "full", hidden: 0, chain_parent: null, item_counts: null }]);
      expect(db.prepare("SELECT COUNT(*) FROM checkpoints_items").pluck().get()).toBe(0);
      const records = db.prepare('SELECT version, applied_at FROM "checkpoints_migrations" ORDER BY version').all();
      expect(records).toEqual([
        { version: 1, applied_at: SCHEMA_2_APPLIED_AT },
        { version: 2, applied_at: SCHEMA_2_APPLIED_AT },
        { version: 3, applied_at: expect.any(Number) },
        { version: 4, applied_at: expect.any(Number) },
      ]);
    });
  });

  it("reads every old checkpoint back through load, latest, list, listHeaders and listSerialized", async () => {
    const upgraded = open();
    for (const cp of legacy) expect(await upgraded.load(cp.id)).toEqual(cp);
    expect(await upgraded.latest(executionId())).toEqual(newest());
    expect(await upgraded.list(executionId())).toEqual(legacy);
    expect(await upgraded.list(executionId(), { order: "desc", limit: 2 })).toEqual([legacy[5], legacy[4]]);
    expect(await upgraded.listHeaders(executionId())).toEqual(legacy.map(checkpointHeader));
    const serialized = await upgraded.listSerialized(executionId());
    expect(serialized.map((s) => deserializeCheckpoint(s.text))).toEqual(legacy);
    expect(await upgraded.stats()).toMatchObject({ checkpoints: legacy.length, executions: 1 });
  });

  it("continues the execution incrementally: delta rows after the old full rows, read back whole", async () => {
    const upgraded = open();
    let cp = newest();
    const added: Checkpoint<ChatState>[] = [];
    for (let i = 0; i < 4; i++) added.push((cp = await step(upgraded, cp)));
    const rows = withFile((db) =>
      db
        .prepare(
          "SELECT version, kind, chain_parent, item_counts, state FROM checkpoints WHERE version > 6 ORDER BY version",
        )
        .all(),
    );
    expect(rows).toEqual(
      added.map((each) => ({
        version: each.version,
        kind: "delta",
        chain_parent: each.parentId,
        item_counts: '[["messages",1]]',
        state: `{"turn":${each.state.turn}}`,
      })),
    );
    expect(withFile((db) => db.prepare("SELECT COUNT(*) FROM checkpoints_items").pluck().get())).toBe(4);
    for (const each of added) expect(await upgraded.load(each.id)).toEqual(each);
    expect(await upgraded.latest(executionId())).toEqual(cp);
    expect(await upgraded.list(executionId())).toEqual([...legacy, ...added]);
    const serialized = await upgraded.listSerialized(executionId(), { afterVersion: 5 });
    expect(serialized.map((s) => deserializeCheckpoint(s.text))).toEqual([legacy[5], ...added]);
  });

  it("prunes across old and new rows, keeping what the kept checkpoints read through", async () => {
    const upgraded = open();
    let cp = newest();
    const added: Checkpoint<ChatState>[] = [];
    for (let i = 0; i < 4; i++) added.push((cp = await step(upgraded, cp)));
    expect(await upgraded.prune(executionId(), { keepLast: 2 })).toBe(8);
    expect(await upgraded.list(executionId())).toEqual(added.slice(-2));
    expect(await upgraded.stats()).toMatchObject({ checkpoints: 2, executions: 1 });
    // The old full row the chain starts from stays hidden, with the pruned steps merged into it.
    const hidden = withFile((db) => db.prepare("SELECT version, kind FROM checkpoints WHERE hidden = 1").all());
    expect(hidden).toEqual([{ version: 6, kind: "full" }]);
    expect(await upgraded.load(newest().id)).toBeUndefined();
    cp = await step(upgraded, cp);
    expect(await upgraded.latest(executionId())).toEqual(cp);
    await upgraded.clear(executionId());
    withFile((db) => {
      expect(db.prepare("SELECT COUNT(*) FROM checkpoints").pluck().get()).toBe(0);
      expect(db.prepare("SELECT COUNT(*) FROM checkpoints_items").pluck().get()).toBe(0);
    });
  });
});
