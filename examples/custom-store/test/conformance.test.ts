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
    read: async ({ id, executionId }) => (await readFileOf(executionId))?.entries.find((e) => e.id === id)?.data,
    corrupt: async ({ id, executionId }) => {
      const file = await readFileOf(executionId);
      const entry = file?.entries.find((e) => e.id === id);
      if (file === undefined || entry === undefined) throw new Error(`nothing stored for ${id}`);
      entry.data = "{not json";
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
