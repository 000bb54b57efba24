import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointId } from "@lg/core";
import { postgresForTests } from "@lg/store-testkit";
import { PrivateRedis } from "../../../packages/store-redis/test/private-redis.js";
import { buildChild } from "../kill/build-child.js";
import type { StoreKind, StoreSpec } from "../kill/stores.js";

/** What one store's chaos tests run on; {@link ChaosEnvironment.dispose} removes all of it. */
export interface ChaosEnvironment {
  /** The store, as workers and the driver open it. */
  spec: StoreSpec;
  /** The compiled worker script. */
  script: string;
  /** A temporary directory (the SQLite file, the zombie's go file). */
  dir: string;
  /** Stops what it started, drops the schema, removes its directories. Safe after a partial start. */
  dispose(): Promise<void>;
}

/**
 * Prepares one store for the chaos suite: the worker compiled (by the kill suite's builder) into a directory inside
 * the package, a temporary directory, and the backend — a SQLite file there, a fresh schema on the PostgreSQL
 * server, or a private redis-server (dropped with everything in it afterwards). Whatever was started is disposed of
 * again when a later step fails.
 */
export async function startChaosEnvironment(kind: StoreKind, packageDir: string): Promise<ChaosEnvironment> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const dispose = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const dir = mkdtempSync(join(tmpdir(), `lg-reliability-chaos-${kind}-`));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // Named so that the package's ignore rule for the kill suite's compiled child covers it.
    const buildDir = mkdtempSync(join(packageDir, ".kill-build-chaos-"));
    cleanups.push(() => rmSync(buildDir, { recursive: true, force: true }));
    const { script } = await buildChild(join(packageDir, "src", "chaos"), buildDir);
    const base = { script, dir, dispose };
    switch (kind) {
      case "sqlite":
        return { ...base, spec: { kind, path: join(dir, "chaos.db") } };
      case "postgres": {
        const database = await postgresForTests();
        cleanups.push(() => database.cleanup());
        return { ...base, spec: { kind, url: database.url, schema: database.schema } };
      }
      case "redis": {
        const redis = await PrivateRedis.start();
        cleanups.push(() => redis.dispose());
        return { ...base, spec: { kind, url: redis.url, prefix: `chaos-${createCheckpointId().slice(-12)}:` } };
      }
    }
  } catch (error) {
    await dispose();
    throw error;
  }
}
