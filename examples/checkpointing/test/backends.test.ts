import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CheckpointStore } from "@lg/core";
import { PostgresCheckpointStore } from "@lg/store-postgres";
import { RedisCheckpointStore } from "@lg/store-redis";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { runScenario } from "../src/scenario.js";

const POSTGRES_URL = process.env.LG_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.LG_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

async function expectFullStory(store: CheckpointStore): Promise<void> {
  const lines: string[] = [];
  await runScenario(store, `example-${randomUUID()}`, { print: (line) => lines.push(line) });
  const text = lines.join("\n");
  expect(text).toContain('latest checkpoint: v2 after step1, next ["step2"]');
  expect(text).toContain("fork checkpoint v7, source fork, parent v2");
  expect(text).toContain("fork interrupted then done: total 1110, approved=false");
  expect(text).toContain("the original branch is intact: v6 total 111");
}

describe("the example on every backend", () => {
  it("SQLite file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lg-example-"));
    const store = new SqliteCheckpointStore({ path: join(dir, "checkpoints.db") });
    try {
      await expectFullStory(store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("PostgreSQL", async () => {
    const tableName = `example_${randomUUID().replace(/-/g, "").slice(0, 16)}`;
    const store = await PostgresCheckpointStore.connect({ connString: POSTGRES_URL, tableName });
    try {
      await expectFullStory(store);
    } finally {
      await store.sql.unsafe(`DROP TABLE IF EXISTS "public"."${tableName}", "public"."${tableName}_migrations"`);
      await store.close();
    }
  });

  it("Redis", async () => {
    const prefix = `lg-example-${randomUUID()}:`;
    const store = await RedisCheckpointStore.connect({ url: REDIS_URL, prefix, ttl: 60_000 });
    try {
      await expectFullStory(store);
    } finally {
      await store.close();
    }
  });
});
