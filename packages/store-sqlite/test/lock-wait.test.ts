import { StoreUnavailableError } from "@lg/core";
import Database from "better-sqlite3";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { makeCheckpoint, makeTempDir, type TempDir } from "./helpers.js";
import { holdLock, stopHolder, type Holder } from "./lock-holder.js";

/**
 * Another process holds the file's write lock (test/fixtures/lock-holder.cjs) while this one saves. A 10 ms timer
 * runs meanwhile and records its longest gap: the event loop must keep turning while the save waits. Before the
 * waits became asynchronous, SQLite's busy handler slept the thread for the whole wait (5,046 ms measured).
 */
// How long the lock is held in the tests that wait it out: a thread that slept through the wait would block that long.
const HOLD_MS = 3000;
// Far above a 10 ms tick and a few-ms attempt (345 ms was seen with both cores busy), a third of HOLD_MS.
const MAX_GAP_MS = 1000;

/** Measures the longest gap between ticks of a 10 ms interval while `work` runs. */
async function longestTimerGap<T>(work: () => Promise<T>): Promise<{ result: T; gapMs: number; ticks: number }> {
  let last = Date.now();
  let gapMs = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
    ticks++;
  }, 10);
  try {
    const result = await work();
    gapMs = Math.max(gapMs, Date.now() - last);
    return { result, gapMs, ticks };
  } finally {
    clearInterval(timer);
  }
}

let temp: TempDir;
let holder: Holder | undefined;

beforeEach(() => {
  temp = makeTempDir();
});

afterEach(async () => {
  await stopHolder(holder);
  holder = undefined;
  temp.remove();
});

describe("a write lock held by another process", () => {
  it("makes a save wait without freezing the event loop, then succeed once the lock is released", async () => {
    const store = new SqliteCheckpointStore({ path: temp.file(), busyTimeoutMs: 30_000 });
    try {
      holder = holdLock(temp.file(), HOLD_MS);
      await holder.printed("locked");
      const cp = makeCheckpoint();
      const { gapMs, ticks } = await longestTimerGap(() => store.save(cp));
      await holder.printed("released"); // the save could only commit after the holder did
      expect(gapMs).toBeLessThan(MAX_GAP_MS);
      expect(ticks).toBeGreaterThan(5); // the timer really ran during the wait
      expect((await store.load(cp.id))?.id).toBe(cp.id);
    } finally {
      await store.close();
    }
  }, 30_000);

  it("rejects with StoreUnavailableError once busyTimeoutMs has passed, without freezing the event loop", async () => {
    const store = new SqliteCheckpointStore({ path: temp.file(), busyTimeoutMs: 600 });
    try {
      holder = holdLock(temp.file(), 20_000);
      await holder.printed("locked");
      const started = Date.now();
      const { result: error, gapMs } = await longestTimerGap(() =>
        store.save(makeCheckpoint()).catch((e: unknown) => e),
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(590);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toMatch(/locked for longer than busyTimeoutMs \(600 ms; SQLITE_BUSY\)/);
      expect(gapMs).toBeLessThan(MAX_GAP_MS);
    } finally {
      await store.close();
    }
  }, 30_000);

  it("lets a store be created on a locked new file at once and finishes opening when the lock is released", async () => {
    holder = holdLock(temp.file(), HOLD_MS);
    await holder.printed("locked");
    const { result: store, gapMs } = await longestTimerGap(async () => {
      const opening = new SqliteCheckpointStore({ path: temp.file(), busyTimeoutMs: 30_000 });
      expect(() => opening.schemaVersion).toThrow(/still opening/);
      await opening.ready;
      return opening;
    });
    try {
      expect(gapMs).toBeLessThan(MAX_GAP_MS);
      expect(store.tuning.journalMode).toBe("wal");
      const cp = makeCheckpoint();
      await store.save(cp);
      expect((await store.latest(cp.executionId))?.id).toBe(cp.id);
      // The holder's own committed row is still there: the store waited for it rather than working around it.
      const raw = new Database(temp.file(), { readonly: true });
      expect(raw.prepare("SELECT COUNT(*) FROM lock_holder").pluck().get()).toBe(1);
      raw.close();
    } finally {
      await store.close();
    }
  }, 30_000);

  it("rejects every call of a store whose opening outlasted busyTimeoutMs with StoreUnavailableError", async () => {
    holder = holdLock(temp.file(), 20_000);
    await holder.printed("locked");
    const store = new SqliteCheckpointStore({ path: temp.file(), busyTimeoutMs: 300 });
    await expect(store.ready).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.save(makeCheckpoint())).rejects.toThrow(/locked for longer than busyTimeoutMs \(300 ms/);
    await store.close();
  }, 30_000);
});
