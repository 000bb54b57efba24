import { CheckpointConflictError } from "@lg/core";
import { serializeCheckpoint } from "@lg/core/store";
import Database from "better-sqlite3";
import { SqliteCheckpointStore, type SqliteWriteLock } from "@lg/store-sqlite";
import { makeCheckpoint, makeTempDir, randomExecutionId, type TempDir } from "./helpers.js";

/** A lock that records what happened, and checks from inside whether this connection's file is locked for writing. */
class RecordingLock implements SqliteWriteLock {
  readonly events: string[] = [];
  held = false;

  constructor(private readonly file: string) {}

  acquire(): void {
    expect(this.held).toBe(false);
    this.held = true;
    this.events.push(`acquire (file ${this.fileWritable() ? "free" : "locked"}, ${this.rows()} rows)`);
  }

  release(): void {
    expect(this.held).toBe(true);
    this.held = false;
    this.events.push(`release (file ${this.fileWritable() ? "free" : "locked"}, ${this.rows()} rows)`);
  }

  /** Checkpoints committed, as another connection sees them: a batch is committed before the lock is released. */
  private rows(): number {
    const probe = new Database(this.file, { readonly: true });
    try {
      return probe.prepare("SELECT count(*) FROM checkpoints").pluck().get() as number;
    } finally {
      probe.close();
    }
  }

  /** Whether another connection could take the file's write lock now: the store takes it only inside the lock. */
  private fileWritable(): boolean {
    const probe = new Database(this.file, { timeout: 0 });
    try {
      probe.exec("BEGIN IMMEDIATE; ROLLBACK");
      return true;
    } catch {
      return false;
    } finally {
      probe.close();
    }
  }
}

let temp: TempDir;

beforeEach(() => {
  temp = makeTempDir();
});

afterEach(() => {
  temp.remove();
});

describe("writeLock", () => {
  it("is held around each batch write, which takes the file's write lock and commits inside it", async () => {
    const lock = new RecordingLock(temp.file());
    const store = new SqliteCheckpointStore({ path: temp.file(), writeLock: lock });
    try {
      const executionId = randomExecutionId();
      const first = makeCheckpoint({ executionId, version: 1 });
      await store.saveMany([first]);
      await store.saveSerialized([
        { id: "", version: 0, text: serializeCheckpoint(makeCheckpoint({ executionId, version: 2 })) },
      ]);
      expect(lock.events).toEqual([
        "acquire (file free, 0 rows)",
        "release (file free, 1 rows)",
        "acquire (file free, 1 rows)",
        "release (file free, 2 rows)",
      ]);
      expect((await store.list(executionId)).map((cp) => cp.version)).toEqual([1, 2]);
    } finally {
      await store.close();
    }
  });

  it("is released when the batch fails, and not taken for a batch refused before writing", async () => {
    const lock = new RecordingLock(temp.file());
    const store = new SqliteCheckpointStore({ path: temp.file(), writeLock: lock });
    try {
      const executionId = randomExecutionId();
      await store.save(makeCheckpoint({ executionId, version: 1 }));
      await expect(store.saveMany([makeCheckpoint({ executionId, version: 1 })])).rejects.toBeInstanceOf(
        CheckpointConflictError,
      );
      expect(lock.events).toEqual(["acquire (file free, 1 rows)", "release (file free, 1 rows)"]);
      // Text that is no checkpoint is refused while the batch is read, before the lock.
      await expect(store.saveSerialized([{ id: "", version: 0, text: "{}" }])).rejects.toMatchObject({
        code: "LG_CHECKPOINT_CORRUPT",
      });
      expect(lock.events).toHaveLength(2);
      expect(lock.held).toBe(false);
    } finally {
      await store.close();
    }
  });
});
