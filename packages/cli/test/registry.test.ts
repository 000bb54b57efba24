import type { CheckpointStore } from "@lg/core";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import {
  EXIT_CODES,
  RegistryMissingError,
  errorLine,
  exitCodeOf,
  parseStatuses,
  readRegistry,
  withRegistry,
} from "../src/index.js";
import { tempDir } from "./helpers.js";

/** The store seen without its registry: what a store of a package that keeps none looks like to the CLI. */
function withoutRegistry(store: CheckpointStore): CheckpointStore {
  return new Proxy(store, {
    get: (target, key) => (key === "registry" ? undefined : Reflect.get(target, key, target)),
  });
}

describe("the CLI's registry functions", () => {
  let files: ReturnType<typeof tempDir>;
  let store: SqliteCheckpointStore;
  beforeEach(() => {
    files = tempDir();
    store = new SqliteCheckpointStore({ path: `${files.dir}/c.db` });
  });
  afterEach(async () => {
    await store.close();
    files.remove();
  });

  it("refuses a store without a registry with exit code 10 and one line, and reads nothing from it", async () => {
    const bare = withoutRegistry(store);
    const error = await withRegistry(bare, "sqlite:c.db", "cancel", () => Promise.resolve(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryMissingError);
    expect(exitCodeOf(error)).toBe(EXIT_CODES.noRegistry);
    expect(errorLine(error)).toBe(
      "lg-checkpoints: the store sqlite:c.db keeps no execution registry (where executions submitted to workers are " +
        'recorded), so "cancel" cannot be used on it',
    );
    expect(await readRegistry(bare, (registry) => registry.counts())).toBeUndefined();
  });

  it("reads the registry of a store that keeps one", async () => {
    expect(await readRegistry(store, (registry) => registry.counts())).toEqual({
      queued: 0,
      running: 0,
      paused: 0,
      done: 0,
      failed: 0,
      cancelled: 0,
    });
    expect(await withRegistry(store, "sqlite:c.db", "cancel", (registry) => registry.cancel("none"))).toBeUndefined();
  });

  it("parses status lists, naming the valid statuses for a wrong one", () => {
    expect(parseStatuses("paused, failed,paused")).toEqual(["paused", "failed"]);
    expect(() => parseStatuses("done,ended")).toThrow(
      'unknown status "ended" (valid: queued, running, paused, done, failed, cancelled)',
    );
    expect(() => parseStatuses(",")).toThrow("no status given (valid: queued, running");
  });
});
