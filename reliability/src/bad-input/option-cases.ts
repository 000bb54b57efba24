/**
 * Store options a caller may get wrong: table and schema names that would break out of their quotes, dotted or
 * too-long names, Redis key prefixes that would widen a `SCAN MATCH`, and timeouts and limits that are negative,
 * NaN or strings. Each is refused by the constructor, before the store touches the backend.
 */
import { INVALID } from "./expectations.js";
import type { BackendName, BadInputCase } from "./types.js";

function optionCase(backend: BackendName, title: string, options: Record<string, unknown>): BadInputCase {
  const shown = JSON.stringify(options, (_k, v: unknown) =>
    typeof v === "number" && !Number.isFinite(v) ? String(v) : v,
  );
  return {
    name: `${backend} option: ${title}`,
    area: "store options",
    call: `open ${backend} store with ${shown}`,
    expected: INVALID,
    backends: [backend],
    run: async (ctx) => {
      const store = await ctx.openWith(options);
      await store.close(); // reached only when the option was accepted: the case then fails
      return store;
    },
  };
}

const INJECTION = 'checkpoints"; DROP TABLE checkpoints; --';

/** SQLite: `tableName`, `busyTimeoutMs`, `cacheSizeKib`, `path`. */
const SQLITE: readonly BadInputCase[] = [
  optionCase("sqlite", "tableName closing its quote", { tableName: INJECTION }),
  optionCase("sqlite", "tableName with a dot", { tableName: "main.checkpoints" }),
  optionCase("sqlite", "tableName of 64 characters", { tableName: "t".repeat(64) }),
  optionCase("sqlite", "reserved tableName sqlite_master", { tableName: "sqlite_master" }),
  optionCase("sqlite", "empty tableName", { tableName: "" }),
  optionCase("sqlite", "negative busyTimeoutMs", { busyTimeoutMs: -1 }),
  optionCase("sqlite", "busyTimeoutMs NaN", { busyTimeoutMs: Number.NaN }),
  optionCase("sqlite", "busyTimeoutMs given as a string", { busyTimeoutMs: "5000" }),
  optionCase("sqlite", "fractional cacheSizeKib", { cacheSizeKib: 1.5 }),
  optionCase("sqlite", "empty path", { path: "" }),
];

/** PostgreSQL: `tableName`, `schema`, timeouts and the pool size. */
const POSTGRES: readonly BadInputCase[] = [
  optionCase("postgres", "tableName closing its quote", { tableName: INJECTION }),
  optionCase("postgres", "tableName with a dot", { tableName: "public.checkpoints" }),
  optionCase("postgres", "tableName of 47 characters (index names would pass 63 bytes)", { tableName: "t".repeat(47) }),
  optionCase("postgres", "schema closing its quote", { schema: 'lg"; DROP SCHEMA public; --' }),
  optionCase("postgres", "schema with a dot", { schema: "a.b" }),
  optionCase("postgres", "schema of 64 characters", { schema: "s".repeat(64) }),
  optionCase("postgres", "negative commandTimeoutMs", { commandTimeoutMs: -1 }),
  optionCase("postgres", "connectTimeoutMs NaN", { connectTimeoutMs: Number.NaN }),
  optionCase("postgres", "poolSize given as a string", { poolSize: "4" }),
  optionCase("postgres", "migrationLockTimeoutMs 0", { migrationLockTimeoutMs: 0 }),
];

/** Redis: `prefix`, `ttl`, timeouts, the URL. */
const REDIS: readonly BadInputCase[] = [
  optionCase("redis", "empty prefix", { prefix: "" }),
  optionCase("redis", "prefix with a glob star", { prefix: "lg*:" }),
  optionCase("redis", "prefix with a newline", { prefix: "lg\n:" }),
  optionCase("redis", "prefix with an unclosed hash tag", { prefix: "{lg:" }),
  optionCase("redis", "prefix given as a number", { prefix: 42 }),
  optionCase("redis", "negative ttl", { ttl: -1 }),
  optionCase("redis", "ttl NaN", { ttl: Number.NaN }),
  optionCase("redis", "commandTimeout given as a string", { commandTimeout: "100" }),
  optionCase("redis", "connectTimeout 0", { connectTimeout: 0 }),
  optionCase("redis", "url of another scheme", { url: "http://127.0.0.1:6379" }),
];

/** Every store-options case (each applies to its own backend). */
export const OPTION_CASES: readonly BadInputCase[] = [...SQLITE, ...POSTGRES, ...REDIS];
