import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import Database from "better-sqlite3";
import { createClient } from "redis";
import { postgresSchema, sqlitePath, type BackendEnv, type BackendName, type SystemKey } from "../backends.js";

/** An open LangGraph saver, or why this backend has none here. */
export type OpenedSaver = { saver: BaseCheckpointSaver; dispose(): Promise<void> } | { unavailable: string };

/** Modules the LangGraph Redis saver needs: it stores checkpoints as JSON documents and lists them with FT.SEARCH. */
const REDIS_SAVER_MODULES = ["ReJSON", "search"] as const;

/** Which of the modules LangGraph's Redis saver needs the server lacks (names as `MODULE LIST` reports them). */
export async function missingRedisModules(url: string): Promise<string[]> {
  const client = createClient({ url });
  client.on("error", () => undefined);
  await client.connect();
  try {
    const reply = (await client.sendCommand(["MODULE", "LIST"])) as unknown[];
    const loaded = new Set<string>();
    for (const entry of reply) {
      const fields = entry as unknown[];
      const at = fields.indexOf("name");
      if (at >= 0) loaded.add(String(fields[at + 1]));
    }
    return REDIS_SAVER_MODULES.filter((name) => !loaded.has(name));
  } finally {
    await client.close();
  }
}

/**
 * Opens LangGraph JS's saver for `backend` on this run's private file or schema. SQLite gets a connection with the
 * same pragmas as @lg's store (WAL, synchronous=NORMAL): LangGraph's own `fromConnString` keeps SQLite's default
 * synchronous=FULL, which adds an fsync per commit and would measure the disk rather than the saver. `system` names
 * the file or schema (`langgraph` for the main workloads; the growing-state workload opens its own).
 */
export async function openLangGraphSaver(
  backend: BackendName,
  env: BackendEnv,
  system: SystemKey = "langgraph",
): Promise<OpenedSaver> {
  switch (backend) {
    case "memory": {
      const { MemorySaver } = await import("@langchain/langgraph");
      return { saver: new MemorySaver(), dispose: async () => undefined };
    }
    case "sqlite": {
      const { SqliteSaver } = await import("@langchain/langgraph-checkpoint-sqlite");
      const db = new Database(sqlitePath(env, system));
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      return { saver: new SqliteSaver(db), dispose: async () => void db.close() };
    }
    case "postgres": {
      const { PostgresSaver } = await import("@langchain/langgraph-checkpoint-postgres");
      const saver = PostgresSaver.fromConnString(env.postgresUrl, { schema: postgresSchema(env, system) });
      await saver.setup();
      return { saver, dispose: () => saver.end() };
    }
    case "redis": {
      const missing = await missingRedisModules(env.redisUrl);
      if (missing.length > 0) {
        return {
          unavailable:
            `the Redis server at ${env.redisUrl} lacks the ${missing.join(" and ")} module(s) that ` +
            "@langchain/langgraph-checkpoint-redis needs (RedisJSON + RediSearch, e.g. Redis Stack or Redis 8)",
        };
      }
      const { RedisSaver } = await import("@langchain/langgraph-checkpoint-redis");
      const saver = await RedisSaver.fromUrl(env.redisUrl);
      return { saver, dispose: () => saver.end() };
    }
  }
}
