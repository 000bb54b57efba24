import {
  postgresSchema,
  redisPrefix,
  sqlitePath,
  type BackendEnv,
  type BackendName,
  type SystemKey,
} from "../backends.js";
import { openRawMemory } from "./memory.js";
import { openRawPostgres } from "./postgres.js";
import { openRawRedis } from "./redis.js";
import { openRawSqlite } from "./sqlite.js";
import type { RawDriver } from "./types.js";

/** Opens the raw driver floor of `backend` on this run's private file, schema or key prefix (those of `key`). */
export async function openRawDriver(backend: BackendName, env: BackendEnv, key: SystemKey = "raw"): Promise<RawDriver> {
  switch (backend) {
    case "memory":
      return openRawMemory();
    case "sqlite":
      return openRawSqlite(sqlitePath(env, key));
    case "postgres":
      return openRawPostgres(env.postgresUrl, postgresSchema(env, key));
    case "redis":
      return openRawRedis(env.redisUrl, redisPrefix(env, key));
  }
}
