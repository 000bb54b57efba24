import {
  CheckpointConflictError,
  InvalidArgumentError,
  SerializationError,
  StoreClosedError,
  type Checkpoint,
} from "@lg/core";
import Database from "better-sqlite3";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { history, makeCheckpoint, makeTempDir, randomExecutionId, type TempDir } from "./helpers.js";

let temp: TempDir;
let store: SqliteCheckpointStore;

beforeEach(() => {
  temp = makeTempDir();
  store = new SqliteCheckpointStore({ path: temp.file() });
});

afterEach(async () => {
  await store.close();
  temp.remove();
});

async function saveAll(cps: Checkpoint[]): Promise<void> {
  for (const cp of cps) await store.save(cp);
}

describe("SqliteCheckpointStore on a file", () => {
  it("round-trips a checkpoint with rich values", async () => {
    const cp = makeCheckpoint({
      state: {
        when: new Date(5),
        tags: new Set(["x"]),
        big: 10n ** 20n,
        bytes: new Uint8Array([1, 2]),
        gone: undefined,
      },
      parentId: "parent-id",
    });
    await store.save(cp);
    expect(await store.load(cp.id)).toEqual(cp);
  });

  it("keeps task results in their own column, NULL when a checkpoint has none", async () => {
    const paused = makeCheckpoint({
      tasks: {
        nodes: { draft: { writes: { at: new Date(7), n: 2n ** 65n } }, review: { resumes: [undefined, "yes"] } },
        interrupts: [{ node: "review", when: "inside", value: new Map([["q", 1]]) }],
        anchorId: "anchor",
      },
    });
    const plain = makeCheckpoint();
    await saveAll([paused, plain]);
    expect(await store.load(paused.id)).toEqual(paused);
    expect(await store.load(plain.id)).not.toHaveProperty("tasks");
    const raw = new Database(temp.file(), { readonly: true });
    const rows = raw.prepare("SELECT id, tasks, metadata FROM checkpoints").all() as {
      id: string;
      tasks: string | null;
      metadata: string;
    }[];
    raw.close();
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(plain.id)?.tasks).toBeNull();
    expect(JSON.parse(byId.get(paused.id)?.tasks ?? "null")).toMatchObject({ anchorId: "anchor" });
    expect(byId.get(paused.id)?.metadata).not.toContain("anchor");
  });

  it("treats a re-save of identical content as a no-op and different content as a conflict", async () => {
    const cp = makeCheckpoint();
    await store.save(cp);
    await expect(store.save({ ...cp })).resolves.toBeUndefined();
    await expect(store.save({ ...cp, state: { changed: true } })).rejects.toBeInstanceOf(CheckpointConflictError);
    expect((await store.stats()).checkpoints).toBe(1);
  });

  it("rejects a second checkpoint of the same (executionId, version) with CheckpointConflictError", async () => {
    const first = makeCheckpoint({ version: 3 });
    await store.save(first);
    const error = await store.save(makeCheckpoint({ executionId: first.executionId, version: 3 })).catch((e) => e);
    expect(error).toBeInstanceOf(CheckpointConflictError);
    expect(error).toMatchObject({ code: "LG_CHECKPOINT_CONFLICT", executionId: first.executionId, version: 3 });
    expect((await store.load(first.id))?.id).toBe(first.id);
  });

  it("lists by version with bounds, order and limit, and serves latest", async () => {
    const executionId = randomExecutionId();
    const cps = history(executionId, 6);
    await saveAll([...cps].reverse());
    const versions = (list: Checkpoint[]) => list.map((cp) => cp.version);
    expect(versions(await store.list(executionId))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(versions(await store.list(executionId, { order: "desc", limit: 2 }))).toEqual([6, 5]);
    expect(versions(await store.list(executionId, { afterVersion: 2, beforeVersion: 5 }))).toEqual([3, 4]);
    expect(versions(await store.list(executionId, { afterVersion: 1, limit: 2 }))).toEqual([2, 3]);
    expect((await store.latest(executionId))?.version).toBe(6);
    expect(await store.latest(randomExecutionId())).toBeUndefined();
  });

  it("deletes one checkpoint and clears one execution only", async () => {
    const a = history(randomExecutionId("a"), 3);
    const b = history(randomExecutionId("b"), 2);
    await saveAll([...a, ...b]);
    await store.delete((a[0] as Checkpoint).id);
    await store.delete("no-such-id");
    expect((await store.list((a[0] as Checkpoint).executionId)).length).toBe(2);
    await store.clear((a[0] as Checkpoint).executionId);
    await store.clear(randomExecutionId());
    expect(await store.list((a[0] as Checkpoint).executionId)).toEqual([]);
    expect((await store.list((b[0] as Checkpoint).executionId)).length).toBe(2);
  });

  it("prunes natively with keepLast, olderThan and protect combined", async () => {
    const executionId = randomExecutionId();
    const start = Date.UTC(2024, 0, 1);
    const cps = history(executionId, 8, start); // timestamps start+1s … start+8s
    await saveAll(cps);
    const protectedId = (cps[1] as Checkpoint).id; // version 2
    const deleted = await store.prune(executionId, {
      keepLast: 3,
      olderThan: new Date(start + 5000), // versions 1-4 are older
      protect: [protectedId],
    });
    expect(deleted).toBe(3); // versions 1, 3, 4
    expect((await store.list(executionId)).map((cp) => cp.version)).toEqual([2, 5, 6, 7, 8]);
    expect(await store.prune(executionId, { keepLast: 10 })).toBe(0);
    expect(await store.prune(executionId, { olderThan: new Date(start + 60_000) })).toBe(4);
    expect((await store.list(executionId)).map((cp) => cp.version)).toEqual([8]);
    await expect(store.prune(executionId, {})).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("pages through executions in id order with a cursor", async () => {
    const ids = ["exec-c", "exec-a", "exec-e", "exec-b", "exec-d"];
    for (const executionId of ids) await saveAll(history(executionId, 2, Date.UTC(2024, 0, 1)));
    const first = await store.listExecutions({ limit: 2 });
    expect(first.executions.map((e) => e.executionId)).toEqual(["exec-a", "exec-b"]);
    expect(first.executions[0]).toEqual({
      executionId: "exec-a",
      latestVersion: 2,
      updatedAt: new Date(Date.UTC(2024, 0, 1) + 2000),
    });
    const second = await store.listExecutions({ limit: 2, cursor: first.nextCursor });
    expect(second.executions.map((e) => e.executionId)).toEqual(["exec-c", "exec-d"]);
    const third = await store.listExecutions({ limit: 2, cursor: second.nextCursor });
    expect(third.executions.map((e) => e.executionId)).toEqual(["exec-e"]);
    expect(third.nextCursor).toBeUndefined();
    expect((await store.listExecutions({ limit: 5 })).nextCursor).toBeUndefined();
  });

  it("reports exact counts and the bytes of the pages in use, which hold every stored column", async () => {
    expect(await store.stats()).toMatchObject({ checkpoints: 0, executions: 0 });
    const withTasks = makeCheckpoint({
      executionId: "exec-3",
      tasks: { nodes: { a: { writes: { x: 1 } } }, interrupts: [] },
    });
    await saveAll([...history("exec-1", 3), ...history("exec-2", 1), withTasks]);
    const stats = await store.stats();
    expect(stats).toMatchObject({ checkpoints: 5, executions: 3 });
    expect(stats.estimated).toBeUndefined();
    const raw = new Database(temp.file(), { readonly: true });
    const payload = raw
      .prepare(
        `SELECT SUM(length(CAST(state AS BLOB)) + length(CAST(metadata AS BLOB)) + length(CAST(next AS BLOB))
           + IFNULL(length(CAST(tasks AS BLOB)), 0)) FROM checkpoints`,
      )
      .pluck()
      .get() as number;
    const pageSize = raw.pragma("page_size", { simple: true }) as number;
    raw.close();
    expect(stats.bytes).toBeGreaterThan(payload);
    expect((stats.bytes as number) % pageSize).toBe(0);
    await store.save(makeCheckpoint({ state: { big: "x".repeat(100_000) } }));
    // It grows with what is stored (less what fills pages freed earlier).
    expect((await store.stats()).bytes).toBeGreaterThan((stats.bytes as number) + 50_000);
  });

  it("returns list and listExecutions pages as arrays of the caller's realm (jest runs tests in a realm of their own)", async () => {
    const cp = makeCheckpoint();
    await store.save(cp);
    expect(Object.getPrototypeOf(await store.list(cp.executionId))).toBe(Array.prototype);
    expect(Object.getPrototypeOf((await store.listExecutions()).executions)).toBe(Array.prototype);
  });

  it("keeps data across close and reopen", async () => {
    const cp = makeCheckpoint();
    await store.save(cp);
    await store.close();
    store = new SqliteCheckpointStore({ path: temp.file() });
    expect(await store.load(cp.id)).toEqual(cp);
    expect(store.capabilities).toEqual({
      nativePrune: true,
      persistent: true,
      multiProcess: true,
      ttl: false,
      taskResults: true,
      batchSave: true,
      incremental: true,
      headerList: true,
      serializedList: true,
      serializedSave: true,
    });
  });

  it("rejects (never throws synchronously) on bad input", async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const saving = store.save(makeCheckpoint({ state: { cyclic } }));
    expect(saving).toBeInstanceOf(Promise);
    await expect(saving).rejects.toBeInstanceOf(SerializationError);
    await expect(store.save(makeCheckpoint({ version: 0 }))).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.load("")).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.list("x", { limit: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.listExecutions({ limit: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("rejects every call after close with StoreClosedError, and closes twice harmlessly", async () => {
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
    const calls: Array<() => Promise<unknown>> = [
      () => store.save(makeCheckpoint()),
      () => store.load("x"),
      () => store.list("x"),
      () => store.latest("x"),
      () => store.delete("x"),
      () => store.clear("x"),
      () => store.prune("x", { keepLast: 1 }),
      () => store.listExecutions(),
      () => store.ping(),
      () => store.stats(),
      () => store.backup(temp.file("copy.db")),
    ];
    for (const call of calls) {
      await expect(call()).rejects.toBeInstanceOf(StoreClosedError);
    }
  });

  it("makes an online backup that opens as a store with the same checkpoints", async () => {
    const cps = history(randomExecutionId(), 3);
    await saveAll(cps);
    await store.backup(temp.file("backup.db"));
    const restored = new SqliteCheckpointStore({ path: temp.file("backup.db") });
    try {
      expect(await restored.list((cps[0] as Checkpoint).executionId)).toEqual(cps);
    } finally {
      await restored.close();
    }
  });
});

describe("SqliteCheckpointStore in memory and on an injected connection", () => {
  it("works on :memory: and declares it not persistent", async () => {
    const memory = new SqliteCheckpointStore({ path: ":memory:" });
    try {
      const cp = makeCheckpoint();
      await memory.save(cp);
      expect(await memory.latest(cp.executionId)).toEqual(cp);
      await memory.ping();
      expect(memory.capabilities).toEqual({
        nativePrune: true,
        persistent: false,
        multiProcess: false,
        ttl: false,
        taskResults: true,
        batchSave: true,
        incremental: true,
        headerList: true,
        serializedList: true,
        serializedSave: true,
      });
      expect(memory.tuning.journalMode).toBe("memory");
    } finally {
      await memory.close();
    }
  });

  it("uses an injected connection, returns numbers even when it defaults to BigInt, and leaves it open", async () => {
    const db = new Database(temp.file("injected.db"));
    db.defaultSafeIntegers(true);
    const injected = new SqliteCheckpointStore({ database: db, tableName: "injected" });
    const cp = makeCheckpoint({ version: 7 });
    await injected.save(cp);
    expect(await injected.latest(cp.executionId)).toEqual(cp);
    expect(await injected.stats()).toMatchObject({ checkpoints: 1, executions: 1 });
    await injected.close();
    expect(db.open).toBe(true);
    expect(db.prepare("SELECT COUNT(*) FROM injected").pluck().safeIntegers(false).get()).toBe(1);
    db.close();
  });
});

describe("decoding stored state", () => {
  function overwriteState(file: string, id: string, text: string): void {
    const db = new Database(file);
    db.prepare("UPDATE checkpoints SET state = ? WHERE id = ?").run(text, id);
    db.close();
  }

  it("returns fresh objects for plain state: two reads share nothing", async () => {
    const cp = makeCheckpoint({ state: { list: [{ a: 1 }], note: "plain" } });
    await store.save(cp);
    const first = (await store.load(cp.id)) as Checkpoint<{ list: Array<{ a: number }> }>;
    first.state.list[0]!.a = 99;
    expect((await store.load(cp.id))?.state).toEqual({ list: [{ a: 1 }], note: "plain" });
  });

  it("decodes tagged values and strings that merely mention the tag or need escapes", async () => {
    const state = {
      when: new Date(7),
      text: 'a "$lg" in a string',
      control: "bell\u0007",
      lone: "\ud800",
      $lg: "own key",
    };
    const cp = makeCheckpoint({ state });
    await store.save(cp);
    expect((await store.load(cp.id))?.state).toEqual(state);
  });

  it("decodes a tag spelled with a JSON escape, as the codec reads it", async () => {
    const cp = makeCheckpoint();
    await store.save(cp);
    overwriteState(temp.file(), cp.id, '{"at":{"\\u0024lg":"date","v":"2020-01-01T00:00:00.000Z"}}');
    expect((await store.load(cp.id))?.state).toEqual({ at: new Date("2020-01-01T00:00:00.000Z") });
  });
});
