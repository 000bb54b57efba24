import { InvalidArgumentError } from "@lg/core";
import { hashTagOf } from "./keys.js";

/**
 * The part of a node-redis client (`createClient()` of the `redis` package) that the store uses. Any node-redis 5
 * client fits; the store sends raw commands, so modules, scripts and RESP version of the client do not matter,
 * but its type mapping must leave replies as strings (the default).
 */
export interface RedisClientLike {
  /** Whether `connect()` was called and `close()`/`destroy()` was not (node-redis semantics). */
  readonly isOpen: boolean;
  /** Opens the connection. */
  connect(): Promise<unknown>;
  /** Sends one command. */
  sendCommand(args: ReadonlyArray<string>): Promise<unknown>;
  /**
   * A new client with the same settings (node-redis `duplicate()`): the registry's `subscribe` listens on one, which
   * the store closes. Without it `subscribe` is refused (`InvalidArgumentError`).
   */
  duplicate?(): RedisSubscriberLike;
}

/** A pub/sub message listener (node-redis hands strings unless asked for buffers). */
export type PubSubMessageListener = (message: string | Buffer, channel: string | Buffer) => unknown;

/** The part of a node-redis client that listens to a pub/sub channel (a `duplicate()` of an injected client). */
export interface RedisSubscriberLike {
  /** Whether `connect()` was called and `close()`/`destroy()` was not. */
  readonly isOpen: boolean;
  /** Opens the connection. */
  connect(): Promise<unknown>;
  /** Subscribes `listener` to `channel` (the connection then only listens). */
  subscribe(channel: string, listener: PubSubMessageListener): Promise<unknown>;
  /** Drops the connection at once. */
  destroy(): void;
  /** Connection errors are reported here (node-redis emits them; without a listener they would crash the process). */
  on(event: "error", listener: (error: Error) => void): unknown;
}

/**
 * The part of a node-redis cluster client (`createCluster()`) that the store uses. Usable only with a prefix that
 * holds a hash tag (see the README, "Redis Cluster").
 */
export interface RedisClusterLike {
  /** Whether `connect()` was called and `close()`/`destroy()` was not. */
  readonly isOpen: boolean;
  /** The master nodes; its presence is what tells a cluster client from a single-node client. */
  readonly masters: ReadonlyArray<unknown>;
  /** Discovers the cluster and opens connections. */
  connect(): Promise<unknown>;
  /** Sends one command to the node serving `firstKey`'s slot. */
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  /**
   * Subscribes `listener` to `channel` on the cluster client's own pub/sub connection (node-redis keeps one apart
   * from its command connections). Without it the registry's `subscribe` is refused (`InvalidArgumentError`).
   */
  subscribe?(channel: string, listener: PubSubMessageListener): Promise<unknown>;
  /** Removes `listener` from `channel`. */
  unsubscribe?(channel: string, listener: PubSubMessageListener): Promise<unknown>;
}

/**
 * Options of {@link RedisCheckpointStore}: the seed's `RedisOptions { Addr, Password, DB, Prefix, TTL }` plus a
 * URL, an injected client and connection tuning. Give at most one of `addr`, `url` and `client`; with none the
 * store connects to `localhost:6379`.
 */
export interface RedisOptions {
  /** Server address `"host:port"` (IPv6 as `"[::1]:6379"`), as the seed's `Addr`. Default `"localhost:6379"`. */
  addr?: string;
  /** Connection URL `redis[s]://[[user][:password]@]host[:port][/db]`, instead of `addr`. */
  url?: string;
  /** ACL user name with `addr`. With `url`, put it in the URL. */
  username?: string;
  /** Password (`AUTH`) with `addr`; never appears in error messages. With `url`, put it in the URL. */
  password?: string;
  /** Logical database number (`SELECT`) with `addr`, as the seed's `DB`. Default 0. With `url`, use its path. */
  db?: number;
  /**
   * Prepended to every key, as the seed's `Prefix`. Default `"langgraph:"`. Non-empty, without whitespace,
   * control characters or the glob characters `* ? [ ] \`, so that `SCAN MATCH {prefix}*` finds exactly the
   * store's keys. A `{…}` hash tag in it pins all keys to one Redis Cluster slot; a `{` must be closed by a `}` with
   * at least one character between. Prefixes of two stores on one database must not be prefixes of each other.
   */
  prefix?: string;
  /**
   * Time to live of each checkpoint in milliseconds (the seed's `TTL`, a Go duration there), counted from its
   * save (and from each read with `refreshOnRead`). 0 (default) keeps checkpoints until they are deleted.
   */
  ttl?: number;
  /** With `ttl`, every `load`, `latest` and `list` restarts the time to live of what it returns. Default false. */
  refreshOnRead?: boolean;
  /**
   * A node-redis client (or cluster client) to use instead of opening one. The store connects it if it is not
   * open, sends commands through it, and leaves it open on `close()`: whoever created it closes it. Its own
   * reconnect and offline-queue settings apply.
   */
  client?: RedisClientLike | RedisClusterLike;
  /** Name shown by `CLIENT LIST` for the store's connection. Default `"lg-checkpoint-store"`. */
  clientName?: string;
  /**
   * Milliseconds a connection may take to open, TCP connect and handshake (`AUTH`, `SELECT`, `CLIENT SETNAME`)
   * together, before the call that needed it fails with `StoreUnavailableError`. Bounds a server that accepts
   * connections and never answers. Default 5000.
   */
  connectTimeout?: number;
  /**
   * Milliseconds one command may wait for its reply before the call fails with `StoreUnavailableError` and the
   * store drops the connection (the next call opens a new one). Bounds a hung or frozen server. Every command
   * the store sends does bounded work on the server (see the README), so a healthy server answers in well under
   * a millisecond to a few milliseconds. Applies to injected clients too (their connection is left alone).
   * Default 5000.
   */
  commandTimeout?: number;
  /**
   * No longer used: the store no longer reconnects in the background. A call that finds the connection down
   * opens a new one itself within `connectTimeout`, and a call whose connection drops under it is repeated once
   * on a new connection. Still accepted (and validated) so that existing code keeps working.
   *
   * @deprecated Has no effect; remove it.
   */
  maxReconnectAttempts?: number;
}

/** Default key prefix, as in the seed. */
export const DEFAULT_PREFIX = "langgraph:";
/** Default server address, as in the seed's examples. */
export const DEFAULT_ADDR = "localhost:6379";
/** Default `CLIENT SETNAME` of the store's connection. */
export const DEFAULT_CLIENT_NAME = "lg-checkpoint-store";
/** Default connect timeout in milliseconds. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** Default command timeout in milliseconds. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;
/**
 * Former default of the background reconnect attempts, kept for compatibility.
 *
 * @deprecated The store reconnects on demand; see {@link RedisOptions.maxReconnectAttempts}.
 */
export const DEFAULT_MAX_RECONNECT_ATTEMPTS = 10;

/** How the store reaches Redis after validation. */
export type RedisConnectionTarget =
  | { kind: "client"; client: RedisClientLike }
  | { kind: "cluster"; client: RedisClusterLike }
  | { kind: "url"; url: string; display: string }
  | { kind: "addr"; host: string; port: number; display: string };

/** Options after defaults and validation. */
export interface ResolvedRedisOptions {
  /** Where to connect, or the injected client. */
  target: RedisConnectionTarget;
  /** ACL user, when given. */
  username: string | undefined;
  /** Password, when given. */
  password: string | undefined;
  /** Database number, when given. */
  db: number | undefined;
  /** Validated key prefix. */
  prefix: string;
  /** Time to live in milliseconds; 0 for none. */
  ttl: number;
  /** Whether reads restart the time to live. */
  refreshOnRead: boolean;
  /** `CLIENT SETNAME` value. */
  clientName: string;
  /** Connect timeout in milliseconds (TCP connect and handshake). */
  connectTimeout: number;
  /** Command timeout in milliseconds. */
  commandTimeout: number;
}

const FORBIDDEN_IN_PREFIX = /[\s\p{Cc}*?[\]\\]/u;
const CLIENT_NAME = /^[\x21-\x7e]+$/;

function fail(option: string, expected: string, value: unknown): never {
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  throw new InvalidArgumentError(`RedisOptions.${option} must be ${expected}, got ${shown}`);
}

function integerOption(option: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    fail(option, min === 0 ? "a non-negative integer" : `an integer >= ${min}`, value);
  }
  return value;
}

function stringOption(option: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0) fail(option, "a non-empty string", value);
  return value;
}

/** Checks a key prefix; see {@link RedisOptions.prefix} for the rules and why. */
export function validatePrefix(value: unknown): string {
  if (typeof value !== "string" || value.length === 0) fail("prefix", "a non-empty string", value);
  if (FORBIDDEN_IN_PREFIX.test(value)) {
    fail("prefix", "free of whitespace, control characters and the glob characters * ? [ ] \\", value);
  }
  if (value.includes("{") && hashTagOf(value) === undefined) {
    fail("prefix", 'a complete hash tag when it has a "{" (e.g. "{lg}:"): a "}" after it with text between', value);
  }
  return value;
}

function parseAddr(addr: string): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(addr);
  const port = match === null ? Number.NaN : Number(match[3]);
  if (match === null || port < 1 || port > 65535) {
    fail("addr", '"host:port" (IPv6 as "[::1]:6379") with a port from 1 to 65535', addr);
  }
  return { host: (match[1] ?? match[2]) as string, port };
}

/** The URL without credentials, for error messages. */
function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "6379"}`;
  } catch {
    fail("url", "a redis:// or rediss:// URL", "(unparsable)");
  }
}

function isCluster(client: RedisClientLike | RedisClusterLike): client is RedisClusterLike {
  return "masters" in client;
}

function resolveTarget(options: RedisOptions, prefix: string): RedisConnectionTarget {
  const given = (["addr", "url", "client"] as const).filter((key) => options[key] !== undefined);
  if (given.length > 1) {
    throw new InvalidArgumentError(`RedisOptions: give one of addr, url and client, not ${given.join(" and ")}`);
  }
  const { client } = options;
  if (client !== undefined) {
    if (client === null || typeof client !== "object" || typeof client.sendCommand !== "function") {
      fail("client", "a node-redis client (createClient() or createCluster())", client);
    }
    if (!isCluster(client)) return { kind: "client", client };
    if (hashTagOf(prefix) === undefined) {
      throw new InvalidArgumentError(
        `RedisOptions.prefix must hold a hash tag such as "{langgraph}:" with a cluster client, got ${JSON.stringify(prefix)}: ` +
          "a save writes three keys atomically, which Redis Cluster allows only within one slot",
      );
    }
    return { kind: "cluster", client };
  }
  if (options.url !== undefined) {
    const clash = (["username", "password", "db"] as const).filter((key) => options[key] !== undefined);
    if (clash.length > 0) {
      // node-redis would let the URL win silently; refuse the ambiguity instead
      throw new InvalidArgumentError(
        `RedisOptions: ${clash.join(", ")} cannot be combined with url; put them in the URL`,
      );
    }
    const url = stringOption("url", options.url) as string;
    if (!/^rediss?:\/\//i.test(url)) fail("url", "a redis:// or rediss:// URL", "(another scheme)");
    return { kind: "url", url, display: displayUrl(url) };
  }
  const addr = stringOption("addr", options.addr) ?? DEFAULT_ADDR;
  const { host, port } = parseAddr(addr);
  return { kind: "addr", host, port, display: addr };
}

/** Applies defaults and validates {@link RedisOptions}; throws `InvalidArgumentError` naming the bad option. */
export function resolveRedisOptions(options: RedisOptions = {}): ResolvedRedisOptions {
  if (options === null || typeof options !== "object") fail("", "an object", options);
  const prefix = validatePrefix(options.prefix ?? DEFAULT_PREFIX);
  const target = resolveTarget(options, prefix);
  if (target.kind === "client" || target.kind === "cluster") {
    const clash = (["username", "password", "db"] as const).filter((key) => options[key] !== undefined);
    if (clash.length > 0) {
      throw new InvalidArgumentError(
        `RedisOptions: ${clash.join(", ")} cannot be combined with client; configure the injected client instead`,
      );
    }
  }
  if (options.refreshOnRead !== undefined && typeof options.refreshOnRead !== "boolean") {
    fail("refreshOnRead", "a boolean", options.refreshOnRead);
  }
  // deprecated and without effect, but a wrong value is still an error, as it was
  integerOption("maxReconnectAttempts", options.maxReconnectAttempts, DEFAULT_MAX_RECONNECT_ATTEMPTS, 0);
  const clientName = options.clientName ?? DEFAULT_CLIENT_NAME;
  if (typeof clientName !== "string" || !CLIENT_NAME.test(clientName)) {
    fail("clientName", "non-empty printable ASCII without spaces (CLIENT SETNAME rules)", clientName);
  }
  return {
    target,
    username: stringOption("username", options.username),
    password: stringOption("password", options.password),
    db: options.db === undefined ? undefined : integerOption("db", options.db, 0, 0),
    prefix,
    ttl: integerOption("ttl", options.ttl, 0, 0),
    refreshOnRead: options.refreshOnRead ?? false,
    clientName,
    connectTimeout: integerOption("connectTimeout", options.connectTimeout, DEFAULT_CONNECT_TIMEOUT_MS, 1),
    commandTimeout: integerOption("commandTimeout", options.commandTimeout, DEFAULT_COMMAND_TIMEOUT_MS, 1),
  };
}
