import { CheckpointCorruptError, StoreClosedError, StoreUnavailableError, messageOf } from "@lg/core";
import { createClient, ErrorReply } from "redis";
import type { RedisClientLike, RedisClusterLike, ResolvedRedisOptions } from "./options.js";

/** The store's own client: what it needs beyond {@link RedisClientLike} to watch and close the connection. */
interface OwnedClient extends RedisClientLike {
  close(): Promise<void>;
  destroy(): void;
  on(event: "error", listener: (error: Error) => void): unknown;
}

/**
 * Server replies that mean "Redis cannot serve the store right now" rather than "the request is wrong": loading a
 * dataset, a script or failover in progress, a read-only replica, out of memory, refused credentials or ACL.
 */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|OOM|NOAUTH|WRONGPASS|NOPERM|MISCONF|NOREPLICAS)\b/;

/** Whether an error is Redis's answer that a script is not in its cache. */
export function isNoScriptError(error: unknown): boolean {
  return error instanceof ErrorReply && error.message.startsWith("NOSCRIPT");
}

/** Background reconnect delay: 50 ms doubling up to 2 s, with jitter so many clients do not retry in step. */
function backoff(retries: number): number {
  return Math.min(50 * 2 ** retries, 2000) + Math.floor(Math.random() * 50);
}

/**
 * One Redis connection of the store: opens it lazily, sends commands, and turns driver failures into typed
 * errors. Commands never queue while the connection is down; they reject at once with `StoreUnavailableError`,
 * and the connection heals by itself (in the background after a drop, or on the next call after giving up).
 */
export class RedisConnection {
  private readonly client: RedisClientLike | RedisClusterLike;
  private readonly owned: OwnedClient | undefined;
  private readonly cluster: RedisClusterLike | undefined;
  private readonly display: string;
  private opening: Promise<void> | undefined;
  /** Set by close(): no command is sent and no connection opened afterwards, even by calls already under way. */
  private closed = false;
  /** While the store itself awaits a connect, a failed attempt fails that call instead of retrying. */
  private awaitingConnect = false;
  private lastError: Error | undefined;

  /** Creates the connection (nothing is opened until the first command). */
  constructor(options: ResolvedRedisOptions) {
    const { target } = options;
    if (target.kind === "client" || target.kind === "cluster") {
      this.client = target.client;
      this.cluster = target.kind === "cluster" ? target.client : undefined;
      this.owned = undefined;
      this.display = target.kind === "cluster" ? "Redis Cluster (injected client)" : "Redis (injected client)";
      return;
    }
    const owned = this.createOwnedClient(options);
    owned.on("error", (error) => {
      this.lastError = error;
    });
    this.client = owned;
    this.owned = owned;
    this.cluster = undefined;
    this.display = `Redis at ${target.display}`;
  }

  private createOwnedClient(options: ResolvedRedisOptions): OwnedClient {
    const { target } = options;
    const socket = {
      connectTimeout: options.connectTimeout,
      reconnectStrategy: (retries: number): number | Error => {
        // A fresh Error, never the socket error itself: node-redis tests `instanceof Error`, which fails for errors
        // from another realm (jest's sandbox), and would then fall back to retrying forever.
        if (this.awaitingConnect) return new Error("the connection attempt failed");
        if (retries >= options.maxReconnectAttempts) return new Error(`gave up after ${retries} reconnect attempts`);
        return backoff(retries);
      },
    };
    const common = { name: options.clientName, disableOfflineQueue: true };
    if (target.kind === "url") return createClient({ ...common, url: target.url, socket });
    return createClient({
      ...common,
      socket: { ...socket, host: target.kind === "addr" ? target.host : undefined, port: target.kind === "addr" ? target.port : undefined },
      username: options.username,
      password: options.password,
      database: options.db,
    });
  }

  /**
   * Sends one command and returns the raw reply. `firstKey` routes it on a cluster client; `isReadonly` lets a
   * cluster client use replicas. Rejects with `StoreUnavailableError` for connection-level failures and
   * `CheckpointCorruptError` when a key of the store holds the wrong Redis type.
   */
  async send(args: string[], firstKey?: string, isReadonly = false): Promise<unknown> {
    if (this.closed) throw new StoreClosedError("RedisCheckpointStore");
    // isOpen turns true as soon as connect() starts; callers arriving during the handshake wait for it too
    if (this.opening !== undefined || !this.client.isOpen) await this.open();
    try {
      if (this.cluster !== undefined) return await this.cluster.sendCommand(firstKey, isReadonly, args);
      return await (this.client as RedisClientLike).sendCommand(args);
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** Opens the connection once for all callers waiting on it. */
  private open(): Promise<void> {
    this.opening ??= this.connectOnce().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async connectOnce(): Promise<void> {
    if (this.client.isOpen) return;
    this.awaitingConnect = true;
    try {
      await this.client.connect();
    } catch (error) {
      throw this.unavailable(error);
    } finally {
      this.awaitingConnect = false;
    }
  }

  /** Maps a driver error to the store's typed errors; other errors (script bugs) pass through unchanged. */
  translate(error: unknown): Error {
    if (error instanceof ErrorReply) {
      if (error.message.startsWith("WRONGTYPE")) {
        return new CheckpointCorruptError(undefined, "a key under the store's prefix holds another Redis type than the store writes", {
          cause: error,
        });
      }
      if (UNAVAILABLE_REPLY.test(error.message)) return this.unavailable(error);
      return error;
    }
    return this.unavailable(error);
  }

  private unavailable(error: unknown): StoreUnavailableError {
    // a failed connect arrives as ReconnectStrategyError; the socket's own error says what really happened
    const socketError = (error as { socketError?: unknown }).socketError;
    let detail = messageOf(socketError ?? error);
    const last = this.lastError?.message;
    if (socketError === undefined && last !== undefined && last !== detail && !(error instanceof ErrorReply)) {
      detail += ` (last connection error: ${last})`;
    }
    return new StoreUnavailableError(
      `${this.display} is unavailable: ${detail}. Check that the server is running and reachable; ` +
        "the store reconnects by itself and a retried save is safe (saving identical content again is a no-op).",
      { cause: error },
    );
  }

  /** Closes the store's own client; an injected client is left open for its owner. */
  async close(): Promise<void> {
    this.closed = true;
    const owned = this.owned;
    if (owned === undefined || !owned.isOpen) return;
    try {
      await owned.close();
    } catch {
      owned.destroy(); // closing failed half-way (the socket was down): drop it without waiting
    }
  }
}
