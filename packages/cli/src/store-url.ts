import { redactSecrets } from "@lg/core";
import { StoreUrlError } from "./errors.js";

/**
 * Store URLs: which store package a URL names and the options it gives that package.
 *
 * @packageDocumentation
 */

/** The kinds of store a URL can name. */
export type StoreKind = "sqlite" | "postgres" | "redis" | "memory";

/** The package that implements each kind of store: an optional peer dependency of `@lg/cli`. */
export const STORE_PACKAGES: Readonly<Record<StoreKind, string>> = {
  sqlite: "@lg/store-sqlite",
  postgres: "@lg/store-postgres",
  redis: "@lg/store-redis",
  memory: "@lg/store-memory",
};

/** Environment variable read when no store URL is given on the command line. */
export const STORE_URL_ENV = "LG_STORE_URL";

/** A SQLite file: `sqlite:./checkpoints.db?table=checkpoints`. */
export interface SqliteTarget {
  /** Kind tag. */
  kind: "sqlite";
  /** Database file, or `:memory:`. */
  path: string;
  /** `?table=`: the checkpoint table (the store's default when absent). */
  tableName?: string;
}

/** A PostgreSQL database: `postgres://user:password@host:5432/db?schema=app&table=checkpoints`. */
export interface PostgresTarget {
  /** Kind tag. */
  kind: "postgres";
  /** The URL without the CLI's own parameters, handed to postgres.js (it may hold a password). */
  connString: string;
  /** `?schema=` (the store's default when absent). */
  schema?: string;
  /** `?table=` (the store's default when absent). */
  tableName?: string;
}

/** A Redis database: `redis://:password@host:6379/0?prefix=langgraph:`. */
export interface RedisTarget {
  /** Kind tag. */
  kind: "redis";
  /** The URL without the CLI's own parameters, handed to node-redis (it may hold a password). */
  url: string;
  /** `?prefix=` (the store's default when absent). */
  prefix?: string;
}

/**
 * An in-process memory store: `memory:` is a new empty store each time; `memory:<name>` is the same store for every
 * URL with that name within one process (for library use and tests; a separate CLI run never sees it).
 */
export interface MemoryTarget {
  /** Kind tag. */
  kind: "memory";
  /** The shared store's name, or `undefined` for a fresh store. */
  name?: string;
}

/** What a store URL names, with the display form of the URL (password replaced by `***`). */
export type StoreTarget = (SqliteTarget | PostgresTarget | RedisTarget | MemoryTarget) & {
  /** The URL as it may be printed: the password, if any, replaced by `***`. */
  display: string;
};

const FORMS =
  "use sqlite:<file>, postgres://user@host:5432/db, redis://host:6379, or memory: (see lg-checkpoints --help)";

/** Splits `?a=b&c=d` off a URL and checks that only `allowed` parameters are present. */
function takeParams(url: string, query: URLSearchParams, allowed: readonly string[]): Map<string, string> {
  const taken = new Map<string, string>();
  for (const name of allowed) {
    const value = query.get(name);
    if (value === null) continue;
    if (value.length === 0) throw new StoreUrlError(url, `parameter ${name} is empty`);
    taken.set(name, value);
    query.delete(name);
  }
  return taken;
}

function parseSqlite(url: string): SqliteTarget {
  const rest = url.slice(url.indexOf(":") + 1);
  const q = rest.indexOf("?");
  let path = q === -1 ? rest : rest.slice(0, q);
  // `sqlite:///abs/file.db` and `sqlite://./rel.db` are common spellings of `sqlite:/abs/file.db` and `sqlite:./rel.db`.
  if (path.startsWith("//")) path = path.slice(2);
  if (path.length === 0) throw new StoreUrlError(url, "no file: write sqlite:./checkpoints.db");
  const query = new URLSearchParams(q === -1 ? "" : rest.slice(q + 1));
  const params = takeParams(url, query, ["table"]);
  rejectUnknown(url, query, ["table"]);
  const target: SqliteTarget = { kind: "sqlite", path: decodeURIComponent(path) };
  const table = params.get("table");
  if (table !== undefined) target.tableName = table;
  return target;
}

function parseServerUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new StoreUrlError(url, "not a valid URL");
  }
}

function rejectUnknown(url: string, query: URLSearchParams, allowed: readonly string[]): void {
  const unknown = [...query.keys()];
  if (unknown.length > 0) {
    throw new StoreUrlError(url, `unknown parameter ${unknown[0]} (allowed: ${allowed.join(", ")})`);
  }
}

function parsePostgres(url: string): PostgresTarget {
  const parsed = parseServerUrl(url);
  if (parsed.hostname.length === 0 && !parsed.searchParams.has("host")) {
    throw new StoreUrlError(url, "no host: write postgres://user@host:5432/database");
  }
  const params = takeParams(url, parsed.searchParams, ["schema", "table"]);
  // Other parameters (sslmode, application_name …) are postgres.js's and stay in the connection string.
  const target: PostgresTarget = { kind: "postgres", connString: parsed.toString() };
  const schema = params.get("schema");
  const table = params.get("table");
  if (schema !== undefined) target.schema = schema;
  if (table !== undefined) target.tableName = table;
  return target;
}

function parseRedis(url: string): RedisTarget {
  const parsed = parseServerUrl(url);
  if (parsed.hostname.length === 0) throw new StoreUrlError(url, "no host: write redis://host:6379");
  const params = takeParams(url, parsed.searchParams, ["prefix"]);
  rejectUnknown(url, parsed.searchParams, ["prefix"]);
  const target: RedisTarget = { kind: "redis", url: parsed.toString() };
  const prefix = params.get("prefix");
  if (prefix !== undefined) target.prefix = prefix;
  return target;
}

function parseMemory(url: string): MemoryTarget {
  const name = url.slice(url.indexOf(":") + 1).replace(/^\/\//, "");
  if (name.includes("?")) throw new StoreUrlError(url, "memory: takes no parameters");
  return name.length === 0 ? { kind: "memory" } : { kind: "memory", name };
}

/**
 * Parses a store URL: `sqlite:<file>[?table=]`, `postgres[ql]://…[?schema=&table=]`, `redis[s]://…[?prefix=]` or
 * `memory:[name]`. Throws {@link StoreUrlError} (password redacted) for anything else.
 */
export function parseStoreUrl(url: string | undefined): StoreTarget {
  const text = (url ?? "").trim();
  if (text.length === 0) {
    throw new StoreUrlError("", `no store given: pass --store <url> or set ${STORE_URL_ENV}; ${FORMS}`);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  const display = redactSecrets(text);
  switch (scheme) {
    case "sqlite":
      return { ...parseSqlite(text), display };
    case "postgres":
    case "postgresql":
      return { ...parsePostgres(text), display };
    case "redis":
    case "rediss":
      return { ...parseRedis(text), display };
    case "memory":
      return { ...parseMemory(text), display };
    default:
      throw new StoreUrlError(text, `unknown kind of store${scheme === undefined ? "" : ` "${scheme}:"`}; ${FORMS}`);
  }
}
