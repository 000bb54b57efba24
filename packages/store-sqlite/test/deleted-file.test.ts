import { copyFileSync, renameSync, rmSync } from "node:fs";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { history, makeTempDir, randomExecutionId, type TempDir } from "./helpers.js";

/**
 * A database file deleted or replaced under an open store: SQLite keeps writing to the file it has open, so each
 * save must check that the path still leads to it, and fail typed instead of reporting a checkpoint as stored that
 * no connection can ever read.
 */

let temp: TempDir;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => {
  temp?.remove();
});

function removeDatabase(file: string): void {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${file}${suffix}`, { force: true });
}

it("a save after the file, its WAL and shared memory were deleted rejects with StoreUnavailableError", async () => {
  const file = temp.file();
  const store = await SqliteCheckpointStore.open({ path: file });
  try {
    const [first, second, third] = history(randomExecutionId(), 3);
    await store.save(first!);
    removeDatabase(file);
    await expect(store.save(second!)).rejects.toMatchObject({
      code: "LG_STORE_UNAVAILABLE",
      message: expect.stringContaining("deleted"),
    });
    await expect(store.saveMany([third!])).rejects.toMatchObject({ code: "LG_STORE_UNAVAILABLE" });
  } finally {
    await store.close();
  }
});

it("a save after another file was moved in its place rejects too", async () => {
  const file = temp.file();
  const store = await SqliteCheckpointStore.open({ path: file });
  try {
    const [first, second] = history(randomExecutionId(), 2);
    await store.save(first!);
    copyFileSync(file, `${file}.copy`);
    renameSync(`${file}.copy`, file);
    await expect(store.save(second!)).rejects.toMatchObject({
      code: "LG_STORE_UNAVAILABLE",
      message: expect.stringContaining("replaced"),
    });
  } finally {
    await store.close();
  }
});

it("a store on a file left in place, and one in memory, save on", async () => {
  for (const path of [temp.file(), ":memory:"]) {
    const store = await SqliteCheckpointStore.open({ path });
    try {
      const checkpoints = history(randomExecutionId(), 3);
      for (const cp of checkpoints) await store.save(cp);
      expect(await store.list(checkpoints[0]!.executionId)).toHaveLength(3);
    } finally {
      await store.close();
    }
  }
});
