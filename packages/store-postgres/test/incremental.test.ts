import { CheckpointCorruptError, InvalidArgumentError, type Checkpoint, type StateChanges } from "@lg/core";
import { deserializeCheckpoint, encodeValue } from "@lg/core/store";
import { createTestCheckpoint } from "@lg/store-testkit";
import { PostgresCheckpointStore } from "../src/index.js";
import { statementLoggingStore, useAdminClient, useTestStore } from "./helpers.js";
import { foldByHand } from "./fold-by-hand.js";

interface Chat {
  messages: unknown[];
  turn: number;
  [channel: string]: unknown;
}

let serial = 0;
const exec = (label: string): string => `${label}-${process.pid}-${++serial}`;

/** Saves an execution's first checkpoint whole, then `steps` checkpoints each with only what it changed. */
async function chat(store: PostgresCheckpointStore, executionId: string, steps: number): Promise<Checkpoint<Chat>[]> {
  let cp = createTestCheckpoint<Chat>({ executionId, version: 1, state: { messages: [{ n: 0 }], turn: 0 } });
  await store.save(cp);
  const saved = [cp];
  for (let i = 1; i <= steps; i++) {
    cp = await step(store, cp, [{ n: i, at: new Date(i) }], { turn: i });
    saved.push(cp);
  }
  return saved;
}

/** A checkpoint continuing `parent`, saved with its changes. */
async function step(
  store: PostgresCheckpointStore,
  parent: Checkpoint<Chat>,
  appended: unknown[],
  set: Record<string, unknown> = {},
): Promise<Checkpoint<Chat>> {
  const cp = createTestCheckpoint<Chat>({
    executionId: parent.executionId,
    version: parent.version + 1,
    id: `${parent.executionId}#${parent.version + 1}`,
    parentId: parent.id,
    state: { ...parent.state, ...set, messages: [...parent.state.messages, ...appended] },
  });
  const changes: StateChanges = {
    parentId: parent.id,
    whole: Object.keys(set),
    appended: appended.length > 0 ? { messages: appended.length } : {},
  };
  await store.save(cp, { changes });
  return cp;
}

describe("incremental rows", () => {
  const t = useTestStore();
  const admin = useAdminClient();
  const table = (): string => `"${t.schema}".checkpoints`;
  const items = (): string => `"${t.schema}".checkpoints_items`;

  it("writes a step as a delta row and its items, in one statement, and reads a chain in one", async () => {
    const statements: string[] = [];
    const store = statementLoggingStore(t, statements);
    try {
      const executionId = exec("trips");
      let cp = createTestCheckpoint<Chat>({ executionId, version: 1, state: { messages: [], turn: 0 } });
      await store.save(cp);
      for (let i = 1; i <= 40; i++) cp = await step(store, cp, [{ n: i }], { turn: i });
      statements.length = 0;
      cp = await step(store, cp, [{ n: 41 }, { n: 42 }], { turn: 41 });
      expect(statements).toHaveLength(1);
      statements.length = 0;
      expect((await store.load(cp.id))?.state).toEqual(cp.state);
      expect((await store.latest(executionId))?.state).toEqual(cp.state);
      expect((await store.list(executionId)).map((c) => c.version)).toHaveLength(42);
      expect(statements).toHaveLength(3);
      const [row] = await admin.sql.unsafe(
        `SELECT kind, chain_id, item_counts, state->'turn' AS turn FROM ${table()} WHERE id = $1`,
        [cp.id],
      );
      expect(row).toEqual({ kind: "delta", chain_id: cp.parentId, item_counts: { messages: 2 }, turn: 41 });
      const [count] = await admin.sql.unsafe(`SELECT count(*)::int AS n FROM ${items()}`);
      expect(count?.n).toBeGreaterThanOrEqual(42);
    } finally {
      await store.close();
    }
  });

  it("folds a state by hand with the README's SQL", async () => {
    const executionId = exec("by-hand");
    const saved = await chat(t.store, executionId, 6);
    const last = saved[saved.length - 1] as Checkpoint<Chat>;
    await t.store.prune(executionId, { keepLast: 2 }); // merged rows fold the same way
    expect(await foldByHand(admin.sql, t.schema, last.id)).toEqual(encodeValue(last.state));
  });

  it("reports a missing or an extra item row as CheckpointCorruptError", async () => {
    const executionId = exec("counts");
    const saved = await chat(t.store, executionId, 3);
    const last = saved[3] as Checkpoint<Chat>;
    const owner = (saved[2] as Checkpoint<Chat>).id;
    const [item] = await admin.sql.unsafe(`DELETE FROM ${items()} WHERE owner_id = $1 RETURNING *`, [owner]);
    await expect(t.store.load(last.id)).rejects.toBeInstanceOf(CheckpointCorruptError);
    await expect(t.store.list(executionId)).rejects.toBeInstanceOf(CheckpointCorruptError);
    await admin.sql.unsafe(`INSERT INTO ${items()} SELECT $1, $2, $3, $4, $5::text::jsonb`, [
      owner,
      item?.version as string,
      item?.channel as string,
      item?.idx as number,
      JSON.stringify(item?.value),
    ]);
    expect((await t.store.load(last.id))?.state).toEqual(last.state);
    await admin.sql.unsafe(`INSERT INTO ${items()} SELECT $1, $2, 'messages', 7, '{}'`, [
      owner,
      item?.version as string,
    ]);
    await expect(t.store.load(last.id)).rejects.toBeInstanceOf(CheckpointCorruptError);
  });

  it("stores a step whole when its parent went meanwhile", async () => {
    const executionId = exec("orphan");
    const [first] = await chat(t.store, executionId, 0);
    const second = createTestCheckpoint<Chat>({
      executionId,
      version: 2,
      parentId: (first as Checkpoint<Chat>).id,
      state: { messages: [{ n: 0 }, { n: 1 }], turn: 1 },
    });
    await t.store.delete((first as Checkpoint<Chat>).id);
    await t.store.save(second, {
      changes: { parentId: (first as Checkpoint<Chat>).id, whole: ["turn"], appended: { messages: 1 } },
    });
    const [row] = await admin.sql.unsafe(`SELECT kind, chain_id FROM ${table()} WHERE id = $1`, [second.id]);
    expect(row).toEqual({ kind: "full", chain_id: null });
    expect((await t.store.load(second.id))?.state).toEqual(second.state);
  });

  it("never leaves a delta row whose parent a concurrent delete took", async () => {
    const other = await PostgresCheckpointStore.connect({ connString: t.url, schema: t.schema, poolSize: 2 });
    try {
      for (let i = 0; i < 25; i++) {
        const executionId = exec("race");
        const [first] = await chat(t.store, executionId, 0);
        const parent = first as Checkpoint<Chat>;
        const child = createTestCheckpoint<Chat>({
          executionId,
          version: 2,
          parentId: parent.id,
          state: { messages: [{ n: 0 }, { n: 1 }], turn: 1 },
        });
        const changes: StateChanges = { parentId: parent.id, whole: ["turn"], appended: { messages: 1 } };
        await Promise.all([other.delete(parent.id), t.store.save(child, { changes })]);
        expect((await t.store.load(child.id))?.state).toEqual(child.state);
        expect(await t.store.load(parent.id)).toBeUndefined();
      }
    } finally {
      await other.close();
    }
  });

  it("shows a deleted checkpoint later rows read through again when it is saved again", async () => {
    const executionId = exec("unhide");
    const saved = await chat(t.store, executionId, 3);
    const middle = saved[2] as Checkpoint<Chat>;
    await t.store.delete(middle.id);
    expect(await t.store.load(middle.id)).toBeUndefined();
    expect((await t.store.stats()).checkpoints).toBeGreaterThan(0);
    await t.store.save(middle);
    expect((await t.store.load(middle.id))?.state).toEqual(middle.state);
    expect((await t.store.list(executionId)).map((c) => c.version)).toEqual([1, 2, 3, 4]);
  });

  it("exports delta rows whole and imports them back as a no-op (listSerialized, saveMany)", async () => {
    const executionId = exec("export");
    const saved = await chat(t.store, executionId, 5);
    const exported = await t.store.listSerialized(executionId);
    expect(exported.map((s) => deserializeCheckpoint(s.text))).toEqual(saved);
    await t.store.saveMany(saved); // already there, stored incrementally: identical, not a conflict
    await t.store.delete((saved[5] as Checkpoint<Chat>).id);
    await t.store.delete((saved[3] as Checkpoint<Chat>).id); // hidden: version 5 reads through it
    await t.store.saveMany(saved);
    expect(await t.store.list(executionId)).toEqual(saved);
    const copy = exec("import");
    const imported = saved.map((cp) => ({ ...cp, executionId: copy, id: `${cp.id}-copy`, parentId: undefined }));
    await t.store.saveMany(imported);
    expect((await t.store.list(copy)).map((cp) => cp.state)).toEqual(saved.map((cp) => cp.state));
  });

  it("keeps an execution pruned to its newest checkpoints in one hidden base plus those", async () => {
    const executionId = exec("retention");
    let cp = createTestCheckpoint<Chat>({ executionId, version: 1, state: { messages: [], turn: 0 } });
    await t.store.save(cp);
    for (let i = 1; i <= 30; i++) {
      cp = await step(t.store, cp, [{ n: i }], { turn: i, ...(i % 5 === 0 ? { topic: `t${i}` } : {}) });
      await t.store.prune(executionId, { keepLast: 3 });
    }
    const rows = await admin.sql.unsafe(
      `SELECT version, hidden FROM ${table()} WHERE execution_id = $1 ORDER BY version`,
      [executionId],
    );
    expect(rows.map((r) => [Number(r.version), r.hidden])).toEqual([
      [1, true], // the first checkpoint, every pruned step merged into it
      [29, false],
      [30, false],
      [31, false],
    ]);
    expect((await t.store.latest(executionId))?.state).toEqual(cp.state);
    const [itemRows] = await admin.sql.unsafe(
      `SELECT count(*)::int AS n FROM ${items()} i JOIN ${table()} c ON c.id = i.owner_id WHERE c.execution_id = $1`,
      [executionId],
    );
    expect(itemRows?.n).toBe(30); // no item lost, none left behind
    await t.store.clear(executionId);
    const [left] = await admin.sql.unsafe(`SELECT count(*)::int AS n FROM ${items()} WHERE owner_id LIKE $1`, [
      `${executionId}#%`,
    ]);
    expect(left?.n).toBe(0);
  });

  it("refuses a checkpoint that is not one with InvalidArgumentError, with or without changes", async () => {
    const missing = null as unknown as Checkpoint;
    const changes: StateChanges = { parentId: "p", whole: [], appended: {} };
    await expect(t.store.save(missing)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(t.store.save(missing, { changes })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("keeps odd channel names plain: __proto__ and $lg", async () => {
    const executionId = exec("odd");
    let cp = createTestCheckpoint<Chat>({ executionId, version: 1, state: { messages: [], turn: 0 } });
    await t.store.save(cp);
    const odd: Record<string, unknown> = {};
    Object.defineProperty(odd, "__proto__", { value: { polluted: true }, enumerable: true });
    cp = await step(t.store, cp, [{ n: 1 }], odd);
    cp = await step(t.store, cp, [{ n: 2 }], { $lg: "pgjson" });
    cp = await step(t.store, cp, [], { nul: "a\u0000b" });
    const loaded = await t.store.load(cp.id);
    expect(loaded?.state).toEqual(cp.state);
    expect(Object.prototype.hasOwnProperty.call(loaded?.state, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
