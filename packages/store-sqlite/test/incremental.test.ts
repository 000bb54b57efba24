import {
  CheckpointConflictError,
  CheckpointCorruptError,
  createCheckpointId,
  type Checkpoint,
  type StateChanges,
} from "@lg/core";
import { deserializeCheckpoint } from "@lg/core/store";
import Database from "better-sqlite3";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { makeTempDir, randomExecutionId, type TempDir } from "./helpers.js";

/**
 * The SQLite layout of incremental checkpoints: what a delta save writes, what damage reads refuse, and how hidden
 * rows behave; the shared behaviour is the testkit's incremental spec (conformance.test.ts).
 */
interface Chat {
  messages: { n: number; at: Date }[];
  turn: number;
}

let temp: TempDir;
let store: SqliteCheckpointStore;
let db: Database.Database;

beforeEach(() => {
  temp = makeTempDir();
  store = new SqliteCheckpointStore({ path: temp.file() });
  db = new Database(temp.file());
});

afterEach(async () => {
  db.close();
  await store.close();
  temp.remove();
});

function first(executionId = randomExecutionId("chat")): Checkpoint<Chat> {
  return {
    id: createCheckpointId(),
    executionId,
    nodeName: "__input__",
    state: { messages: [], turn: 0 },
    metadata: { source: "input", step: 0 },
    timestamp: new Date(1_700_000_000_000),
    version: 1,
    next: ["chat"],
  };
}

/** The checkpoint after `parent` with `count` more messages, and the changes the runtime would pass with it. */
function next(parent: Checkpoint<Chat>, count = 1): [Checkpoint<Chat>, StateChanges] {
  const version = parent.version + 1;
  const added = Array.from({ length: count }, (_, i) => ({ n: version * 10 + i, at: new Date(version * 1000 + i) }));
  const cp: Checkpoint<Chat> = {
    ...parent,
    id: createCheckpointId(),
    nodeName: "chat",
    state: { messages: [...parent.state.messages, ...added], turn: parent.state.turn + 1 },
    metadata: { source: "loop", step: version - 1 },
    timestamp: new Date(parent.timestamp.getTime() + 1000),
    version,
    parentId: parent.id,
  };
  return [cp, { parentId: parent.id, whole: ["turn"], appended: count > 0 ? { messages: count } : {} }];
}

/** Saves an execution of `steps` checkpoints after its first, each appending one message, and returns them all. */
async function chat(steps: number, executionId?: string): Promise<Checkpoint<Chat>[]> {
  const out = [first(executionId)];
  await store.save(out[0] as Checkpoint);
  for (let i = 0; i < steps; i++) {
    const [cp, changes] = next(out[out.length - 1] as Checkpoint<Chat>);
    await store.save(cp, { changes });
    out.push(cp);
  }
  return out;
}

const row = (id: string): Record<string, unknown> | undefined =>
  db.prepare("SELECT kind, hidden, chain_parent, item_counts, state FROM checkpoints WHERE id = ?").get(id) as
    Record<string, unknown> | undefined;
const count = (sql: string, ...params: unknown[]): number =>
  db
    .prepare(sql)
    .pluck()
    .get(...params) as number;

describe("incremental rows on SQLite", () => {
  it("writes a delta row with the whole channels and one item row per appended item", async () => {
    const [base] = await chat(0);
    const [cp, changes] = next(base as Checkpoint<Chat>, 3);
    await store.save(cp, { changes });
    expect(row(cp.id)).toEqual({
      kind: "delta",
      hidden: 0,
      chain_parent: base?.id,
      item_counts: '[["messages",3]]',
      state: '{"turn":1}',
    });
    const items = db
      .prepare("SELECT execution_id, version, channel, idx FROM checkpoints_items WHERE owner_id = ? ORDER BY idx")
      .all(cp.id);
    expect(items).toEqual(
      [0, 1, 2].map((idx) => ({ execution_id: cp.executionId, version: 2, channel: "messages", idx })),
    );
    expect(await store.load(cp.id)).toEqual(cp);
  });

  it("writes a full row when the parent is gone, belongs to another execution or is not older", async () => {
    const [base] = await chat(0);
    const [cp, changes] = next(base as Checkpoint<Chat>);
    await store.delete((base as Checkpoint).id);
    await store.save(cp, { changes });
    expect(row(cp.id)).toMatchObject({ kind: "full", chain_parent: null, item_counts: null });
    expect(await store.load(cp.id)).toEqual(cp);
    const [other] = await chat(0);
    const [stranger, strangerChanges] = next(other as Checkpoint<Chat>);
    const moved = { ...stranger, executionId: cp.executionId, version: 3 };
    await store.save(moved, { changes: strangerChanges });
    expect(row(moved.id)).toMatchObject({ kind: "full" });
    expect(await store.load(moved.id)).toEqual(moved);
    const [below, belowChanges] = next(moved);
    const older = { ...below, version: 1 };
    await store.save(older, { changes: belowChanges });
    expect(row(older.id)).toMatchObject({ kind: "full" });
    expect(await store.load(older.id)).toEqual(older);
  });

  it.each([
    ["a missing item row", "DELETE FROM checkpoints_items WHERE owner_id = $middle"],
    [
      "an extra item row",
      "INSERT INTO checkpoints_items SELECT execution_id, owner_id, version, channel, idx + 1, value FROM checkpoints_items WHERE owner_id = $middle",
    ],
    ["an item on another channel", "UPDATE checkpoints_items SET channel = 'other' WHERE owner_id = $middle"],
    ["item counts that do not match", `UPDATE checkpoints SET item_counts = '[["messages",2]]' WHERE id = $middle`],
    ["an item that is not JSON", "UPDATE checkpoints_items SET value = '{oops' WHERE owner_id = $middle"],
    ["a missing row of the chain", "DELETE FROM checkpoints WHERE id = $middle"],
    ["a chain without its full row", "UPDATE checkpoints SET kind = 'delta', chain_parent = id WHERE version = 1"],
    ["a link to another execution", "UPDATE checkpoints SET execution_id = 'elsewhere' WHERE id = $middle"],
    ["a link to a row that is not older", "UPDATE checkpoints SET version = 4.5 WHERE id = $middle"],
    ["an unknown kind", "UPDATE checkpoints SET kind = 'half' WHERE id = $middle"],
  ])("refuses %s with CheckpointCorruptError on every read", async (_what, damage) => {
    const saved = await chat(4);
    const newest = saved[4] as Checkpoint;
    db.prepare(damage).run({ middle: (saved[2] as Checkpoint).id });
    const reads = [
      () => store.load(newest.id),
      () => store.latest(newest.executionId),
      () => store.list(newest.executionId),
      () => store.listSerialized(newest.executionId),
    ];
    for (const read of reads) await expect(read()).rejects.toBeInstanceOf(CheckpointCorruptError);
  });

  it("hides a deleted checkpoint later rows read through, from every read and count, and brings it back on re-save", async () => {
    const saved = await chat(3);
    const middle = saved[2] as Checkpoint<Chat>;
    await store.delete(middle.id);
    expect(row(middle.id)).toMatchObject({ hidden: 1 });
    expect(await store.load(middle.id)).toBeUndefined();
    expect((await store.list(middle.executionId)).map((c) => c.version)).toEqual([1, 2, 4]);
    expect((await store.listHeaders(middle.executionId)).map((c) => c.version)).toEqual([1, 2, 4]);
    expect(await store.stats()).toMatchObject({ checkpoints: 3, executions: 1 });
    expect(await store.load((saved[3] as Checkpoint).id)).toEqual(saved[3]);
    await expect(store.save({ ...middle, id: createCheckpointId() })).rejects.toBeInstanceOf(CheckpointConflictError);
    await store.save(middle, { changes: next(saved[1] as Checkpoint<Chat>)[1] });
    expect(row(middle.id)).toMatchObject({ hidden: 0 });
    expect(await store.load(middle.id)).toEqual(middle);
  });

  it("keeps one hidden base row under a pruned execution, each prune merging one step into it", async () => {
    const saved = [first()];
    await store.save(saved[0] as Checkpoint);
    for (let i = 0; i < 30; i++) {
      const [cp, changes] = next(saved[saved.length - 1] as Checkpoint<Chat>);
      await store.save(cp, { changes });
      saved.push(cp);
      await store.prune(cp.executionId, { keepLast: 3 });
    }
    const executionId = (saved[0] as Checkpoint).executionId;
    expect(await store.list(executionId)).toEqual(saved.slice(-3));
    expect(count("SELECT COUNT(*) FROM checkpoints WHERE execution_id = ?", executionId)).toBe(4);
    const base = db
      .prepare("SELECT version, kind, item_counts, state FROM checkpoints WHERE hidden = 1 AND execution_id = ?")
      .all(executionId);
    // The base holds the first checkpoint's state with the pruned steps' whole channels and items merged in.
    expect(base).toEqual([
      { version: 1, kind: "full", item_counts: '[["messages",27]]', state: expect.stringContaining('"turn":27') },
    ]);
    expect(count("SELECT COUNT(*) FROM checkpoints_items")).toBe(30);
    const [fork, changes] = next(saved[29] as Checkpoint<Chat>, 2);
    const forked = { ...fork, version: 40 };
    await store.save(forked, { changes });
    expect(await store.load(forked.id)).toEqual(forked);
    expect(await store.load((saved[30] as Checkpoint).id)).toEqual(saved[30]);
    await store.clear(executionId);
    expect(count("SELECT COUNT(*) FROM checkpoints")).toBe(0);
    expect(count("SELECT COUNT(*) FROM checkpoints_items")).toBe(0);
  });

  it("exports delta rows whole through listSerialized, and saveMany of that export onto them is a no-op", async () => {
    const saved = await chat(5);
    const executionId = (saved[0] as Checkpoint).executionId;
    const serialized = await store.listSerialized(executionId);
    const decoded = serialized.map((s) => deserializeCheckpoint(s.text));
    expect(decoded).toEqual(saved);
    await store.saveMany(decoded);
    expect(count("SELECT COUNT(*) FROM checkpoints WHERE kind = 'delta'")).toBe(5);
    await expect(store.saveMany([{ ...(decoded[3] as Checkpoint), nodeName: "changed" }])).rejects.toBeInstanceOf(
      CheckpointConflictError,
    );
    const copy = new SqliteCheckpointStore({ path: temp.file("copy.db") });
    await copy.saveMany(decoded);
    expect(await copy.list(executionId)).toEqual(saved);
    await copy.close();
  });

  it("lists full rows through listSerialized without chains and any page with a delta row through them, as list does", async () => {
    const saved = await chat(5);
    const executionId = (saved[0] as Checkpoint).executionId;
    // Version 1 is the only full row: the first page is plain, every other one holds delta rows.
    for (const options of [
      { limit: 1 },
      { beforeVersion: 2, order: "desc" as const },
      { limit: 3 },
      { afterVersion: 1 },
    ]) {
      const serialized = await store.listSerialized(executionId, options);
      expect(serialized.map((s) => deserializeCheckpoint(s.text))).toEqual(await store.list(executionId, options));
    }
  });

  it("refuses a full row that owns an item it did not record, in listSerialized as in list", async () => {
    const whole = first();
    await store.save(whole);
    db.prepare("INSERT INTO checkpoints_items VALUES (?, ?, 1, 'messages', 0, '{}')").run(whole.executionId, whole.id);
    await expect(store.list(whole.executionId)).rejects.toBeInstanceOf(CheckpointCorruptError);
    await expect(store.listSerialized(whole.executionId)).rejects.toBeInstanceOf(CheckpointCorruptError);
  });

  it("treats a full re-save of a delta checkpoint with the same state as a no-op, another state as a conflict", async () => {
    const saved = await chat(2);
    const last = saved[2] as Checkpoint<Chat>;
    await store.save(last);
    await expect(store.save({ ...last, state: { ...last.state, turn: 9 } })).rejects.toBeInstanceOf(
      CheckpointConflictError,
    );
    expect(row(last.id)).toMatchObject({ kind: "delta" });
  });
});
