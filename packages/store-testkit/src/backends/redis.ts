import { randomBytes } from "node:crypto";
import {
  resolveServer,
  unavailable,
  type BackendKind,
  type BackendResolveOptions,
  type BackendSource,
} from "./resolve.js";

/** A fresh key prefix on a Redis server, for one test or one test file. */
export interface RedisTestDatabase {
  /** Connection URL of the server. */
  url: string;
  /** The key prefix for this call, `lg_test:<random>:`; give it to the store so every key starts with it. */
  prefix: string;
  /** Where the server came from. */
  source: BackendSource;
  /** Sends one command, e.g. for a `raw` hook: `redis.command(["SET", key, "{not json"])`. */
  command(args: readonly string[]): Promise<unknown>;
  /** Keys currently under the prefix (bounded SCAN), e.g. to prove that a store cleaned up. */
  keys(): Promise<string[]>;
  /** Deletes every key under the prefix (bounded SCAN + UNLINK) and closes the connection. Safe to call twice. */
  cleanup(): Promise<void>;
}

/** Environment variable naming the Redis server for tests. */
export const REDIS_URL_ENV = "LG_TEST_REDIS_URL";

/** SCAN rounds allowed before cleanup gives up: a test namespace never holds that many keys. */
const MAX_SCAN_ROUNDS = 10_000;

const REDIS: BackendKind = {
  label: "Redis",
  envVar: REDIS_URL_ENV,
  standardPort: 6379,
  image: "redis:7-alpine",
  localUrl: (host, port) => `redis://${host}:${port}`,
  startContainer: async () => {
    const { RedisContainer } = await import("@testcontainers/redis");
    const container = await new RedisContainer("redis:7-alpine").start();
    return container.getConnectionUrl();
  },
};

interface CommandClient {
  sendCommand(args: string[]): Promise<unknown>;
  close(): Promise<unknown>;
}

async function scanKeys(client: CommandClient, prefix: string): Promise<string[]> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  const keys: string[] = [];
  let cursor = "0";
  for (let round = 0; round < MAX_SCAN_ROUNDS; round++) {
    const reply = (await client.sendCommand(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"])) as [string, string[]];
    keys.push(...reply[1]);
    cursor = String(reply[0]);
    if (cursor === "0") return keys;
  }
  throw new Error(`SCAN for ${pattern} did not finish within ${MAX_SCAN_ROUNDS} rounds`);
}

/**
 * Gives a test its own key prefix on a Redis server. The server is found in this order: the `LG_TEST_REDIS_URL`
 * environment variable; a `redis:7-alpine` testcontainers container when a container runtime answers; a server on
 * 127.0.0.1:6379; otherwise it rejects with a `StoreUnavailableError` naming all three ways. `cleanup()` deletes
 * the keys under the prefix (never `FLUSHDB`).
 *
 * Needs the optional peer dependency `redis` (and `testcontainers` + `@testcontainers/redis` for containers).
 */
export async function redisForTests(options: BackendResolveOptions = {}): Promise<RedisTestDatabase> {
  const server = await resolveServer(REDIS, options);
  const prefix = `lg_test:${randomBytes(6).toString("hex")}:`;
  const { createClient } = await import("redis");
  // No reconnect loop: a test must fail fast with a clear error instead of retrying forever.
  const client = createClient({ url: server.url, socket: { reconnectStrategy: false, connectTimeout: 5000 } });
  client.on("error", () => undefined); // failures surface through the rejected commands below
  try {
    await client.connect();
  } catch (error) {
    if (client.isOpen) client.destroy();
    throw unavailable(REDIS, server, error);
  }
  const commands = client as unknown as CommandClient;
  let cleaned: Promise<void> | undefined;
  return {
    url: server.url,
    prefix,
    source: server.source,
    command: (args) => commands.sendCommand([...args]),
    keys: () => scanKeys(commands, prefix),
    cleanup() {
      cleaned ??= (async () => {
        try {
          const keys = await scanKeys(commands, prefix);
          for (let i = 0; i < keys.length; i += 500) await commands.sendCommand(["UNLINK", ...keys.slice(i, i + 500)]);
        } finally {
          await commands.close();
        }
      })();
      return cleaned;
    },
  };
}
