import { mkdtempSync, rmSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCheckpointStoreSpec, type RawStoreAccess } from "@lg/store-testkit";
import { JsonFileCheckpointStore, type ExecutionFile } from "../src/index.js";

/** Reads and damages what the store wrote, straight from its files, for the spec's stored-data checks. */
function rawFiles(store: JsonFileCheckpointStore): RawStoreAccess {
  async function readFileOf(executionId: string): Promise<ExecutionFile | undefined> {
    try {
      return JSON.parse(await readFile(store.executionPath(executionId), "utf8")) as ExecutionFile;
    } catch {
      return undefined;
    }
  }
  return {
    // The whole entry: keys, encoded header (metadata, task results), row state, chain link, hidden flag.
    read: async ({ id, executionId }) => (await readFileOf(executionId))?.entries.find((e) => e.id === id),
    corrupt: async ({ id, executionId }) => {
      const file = await readFileOf(executionId);
      const entry = file?.entries.find((e) => e.id === id);
      if (file === undefined || entry === undefined) throw new Error(`nothing stored for ${id}`);
      // Text where the row state (or, in the first format, the serialized checkpoint) should be: every read of the
      // entry, or of a checkpoint whose chain passes through it, must reject with CheckpointCorruptError.
      if ("row" in entry) (entry as { row: unknown }).row = "{not json";
      else entry.data = "{not json";
      await writeFile(store.executionPath(executionId), JSON.stringify(file));
    },
  };
}

runCheckpointStoreSpec({
  name: "json-file",
  createStore: () => new JsonFileCheckpointStore(mkdtempSync(join(tmpdir(), "lg-json-store-"))),
  destroyStore: async (store) => {
    await store.close();
    rmSync(store.directory, { recursive: true, force: true });
  },
  openSameLocation: (store) => new JsonFileCheckpointStore(store.directory),
  raw: rawFiles,
  runner: { describe, it, beforeAll, afterAll },
});
