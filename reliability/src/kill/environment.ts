import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointId } from "@lg/core";
import { postgresForTests, type PostgresTestDatabase } from "@lg/store-testkit";
import { PrivateRedis } from "../../../packages/store-redis/test/private-redis.js";
import { buildChild } from "./build-child.js";
import type { StoreKind, StoreSpec } from "./stores.js";

/** What one store's kill tests run on; {@link KillEnvironment.dispose} removes all of it. */
export interface KillEnvironment {
  /** The store, as children and the driver open it. */
  spec: StoreSpec;
  /** The compiled child script. */
  script: string;
  /** Directory for the SQLite file and the children's marker files. */
  dir: string;
  /** The private Redis server (Redis only), to kill and restart it. */
  redis?: PrivateRedis;
  /** Stops the servers it started, drops the schema, removes its directories. Safe after a partial start. */
  dispose(): Promise<void>;
}

/** Arguments of a private redis-server that fsyncs every write to its append-only file before acknowledging it. */
export const APPEND_ONLY_ARGS: readonly string[] = ["--appendonly", "yes", "--appendfsync", "always"];

/**
 * Where the private Redis keeps its append-only file: RAM-backed /dev/shm when there is one. The suite kills
 * processes, not the machine: the file outlives a SIGKILL of the client or of the server on any filesystem, while
 * `appendfsync always` on a disk that other test runs keep busy cost 100-300 ms a save here (a 50-step run took 5-16 s).
 */
function appendOnlyDir(): string {
  return mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "lg-reliability-aof-"));
}

/**
 * Prepares one store for the kill suite: the child compiled into a directory inside the package (`packageDir`, so
 * that it finds better-sqlite3, postgres and redis in the package's node_modules), a temporary directory, and the
 * backend — a SQLite file there, a fresh schema on the PostgreSQL server, or a private redis-server with
 * {@link APPEND_ONLY_ARGS}. Whatever was started is disposed of again when a later step fails.
 */
export async function startKillEnvironment(kind: StoreKind, packageDir: string): Promise<KillEnvironment> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const dispose = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const dir = mkdtempSync(join(tmpdir(), `lg-reliability-kill-${kind}-`));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const buildDir = mkdtempSync(join(packageDir, ".kill-build-"));
    cleanups.push(() => rmSync(buildDir, { recursive: true, force: true }));
    const { script } = await buildChild(join(packageDir, "src", "kill"), buildDir);
    const base = { script, dir, dispose };
    switch (kind) {
      case "sqlite":
        return { ...base, spec: { kind, path: join(dir, "kill.db") } };
      case "postgres": {
        const database: PostgresTestDatabase = await postgresForTests();
        cleanups.push(() => database.cleanup());
        return { ...base, spec: { kind, url: database.url, schema: database.schema } };
      }
      case "redis": {
        const aof = appendOnlyDir();
        cleanups.push(() => rmSync(aof, { recursive: true, force: true }));
        // A later --dir wins over the one PrivateRedis passes.
        const redis = await PrivateRedis.start([...APPEND_ONLY_ARGS, "--dir", aof]);
        cleanups.push(() => redis.dispose());
        return { ...base, redis, spec: { kind, url: redis.url, prefix: `kill-${createCheckpointId().slice(-12)}:` } };
      }
    }
  } catch (error) {
    await dispose();
    throw error;
  }
}
