import { CheckpointCorruptError, LgError, StoreClosedError, StoreUnavailableError, messageOf } from "@lg/core";
import { createClient, ErrorReply } from "redis";
import { DeadlineExceededError, withDeadline } from "./deadline.js";
import type { PubSubMessageListener, RedisClientLike, RedisClusterLike, ResolvedRedisOptions } from "./options.js";
import { DAMAGED_HASH_DETAIL, DAMAGED_HASH_REPLY, damagedHashId } from "./lua.js";

/** The store's own client: what it needs beyond {@link RedisClientLike} to watch and drop the connection. */
export interface OwnedClient extends RedisClientLike {
  /** Drops the connection at once. */
  destroy(): void;
  /** Connection errors are reported here. */
  on(event: "error", listener: (error: Error) => void): unknown;
  /** Subscribes `listener` to `channel` (the registry's pub/sub client). */
  subscribe(channel: string, listener: PubSubMessageListener): Promise<unknown>;
}

const STORE_NAME = "RedisCheckpointStore";

/** How long `close()` lets calls under way finish before it drops the connection under them. */
export const CLOSE_GRACE_MS = 1000;

/**
 * Server replies that mean "Redis cannot serve the store right now" rather than "the request is wrong": loading a
 * dataset, a script or failover in progress, a read-only replica, out of memory, refused credentials or ACL.
 */
const UNAVAILABLE_REPLY =
  /^(LOADING|BUSY|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|OOM|NOAUTH|WRONGPASS|NOPERM|MISCONF|NOREPLICAS)\b/;

/** Whether an error is Redis's answer that a script is not in its cache. */
export function isNoScriptError(error: unknown): boolean {
  return error instanceof ErrorReply && error.message.startsWith("NOSCRIPT");
}

/**
 * Whether a command failed because its connection went away under it (closed by the server, `CLIENT KILL`, a
 * reset, the client dropped after another command's timeout) rather than because of an answer, a timeout or a
 * failed connect, which the store has already turned into its own errors.
 */
function isDroppedConnection(error: unknown): boolean {
  return !(error instanceof ErrorReply) && !(error instanceof LgError) && !(error instanceof DeadlineExceededError);
}

/**
 * One Redis connection of the store, with a bound on everything it waits for:
 *
 * - opening (TCP connect and handshake) takes at most `connectTimeout`, then fails with `StoreUnavailableError`;
 * - each command waits at most `commandTimeout` for its reply; then the call fails and the store's own
 *   connection is dropped (the server may be hung, and later commands would queue behind the stuck one);
 * - a command whose connection drops under it is sent once more on a new connection (every command of the
 *   store is safe to repeat: a repeated save of the same content is a no-op, enqueue finds its own submission, the
 *   checkpoint commands are otherwise reads and deletes; a registry claim or release whose first sending was applied
 *   and whose reply was lost errs on the safe side: the first claim's executions stay leased to nobody until their
 *   lease runs out, and the repeated release answers `LeaseLostError` for the release it made);
 * - `close()` waits at most {@link CLOSE_GRACE_MS} for calls under way, then drops the connection.
 *
 * The store's own client never reconnects by itself: node-redis's background loop cannot be told apart from a
 * connect of ours, and a call would otherwise fail fast while a reconnect it could use is already possible. A call
 * that finds the connection down opens a new one (commands never queue while it is down).
 */
export class RedisConnection {
  private readonly client: RedisClientLike | RedisClusterLike;
  private readonly owned: OwnedClient | undefined;
  private readonly cluster: RedisClusterLike | undefined;
  private readonly display: string;
  private readonly connectTimeout: number;
  private readonly commandTimeout: number;
  private opening: Promise<void> | undefined;
  /** Set by close(): no command is sent and no connection opened afterwards, even by calls already under way. */
  private closed = false;
  private lastError: Error | undefined;
  /** Calls under way, which `close()` lets finish for a moment. */
  private readonly pending = new Set<Promise<unknown>>();

  /** Creates the connection (nothing is opened until the first command). */
  constructor(options: ResolvedRedisOptions) {
    this.connectTimeout = options.connectTimeout;
    this.commandTimeout = options.commandTimeout;
    const { target } = options;
    if (target.kind === "client" || target.kind === "cluster") {
      this.client = target.client;
      this.cluster = target.kind === "cluster" ? target.client : undefined;
      this.owned = undefined;
      this.display = target.kind === "cluster" ? "Redis Cluster (injected client)" : "Redis (injected client)";
      return;
    }
    const owned = createOwnedClient(options);
    owned.on("error", (error) => {
      this.lastError = error;
    });
    this.client = owned;
    this.owned = owned;
    this.cluster = undefined;
    this.display = `Redis at ${target.display}`;
  }

  /**
   * Sends one command and returns the raw reply. `firstKey` routes it on a cluster client; `isReadonly` lets a
   * cluster client use replicas. Rejects with `StoreUnavailableError` for connection-level failures and timeouts,
   * `CheckpointCorruptError` when a key of the store holds the wrong Redis type, `StoreClosedError` after close.
   */
  send(args: string[], firstKey?: string, isReadonly = false): Promise<unknown> {
    const call = this.sendRepeatingOnce(args, firstKey, isReadonly);
    this.pending.add(call);
    const forget = (): void => {
      this.pending.delete(call);
    };
    call.then(forget, forget);
    return call;
  }

  private async sendRepeatingOnce(args: string[], firstKey: string | undefined, isReadonly: boolean): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new StoreClosedError(STORE_NAME);
      try {
        // isOpen turns true as soon as connect() starts; callers arriving during the handshake wait for it too
        if (this.opening !== undefined || !this.client.isOpen) await this.open();
        return await withDeadline(
          this.dispatch(args, firstKey, isReadonly),
          this.commandTimeout,
          "commandTimeout",
          () => this.drop(),
        );
      } catch (error) {
        if (this.closed) throw new StoreClosedError(STORE_NAME);
        if (attempt === 1 && isDroppedConnection(error)) continue;
        throw this.translate(error);
      }
    }
  }

  private dispatch(args: string[], firstKey: string | undefined, isReadonly: boolean): Promise<unknown> {
    if (this.cluster !== undefined) return this.cluster.sendCommand(firstKey, isReadonly, args);
    return (this.client as RedisClientLike).sendCommand(args);
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
    try {
      await withDeadline(this.client.connect(), this.connectTimeout, "connectTimeout", () => this.drop());
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  /**
   * Drops the store's own connection: every command waiting on it is rejected and the next call opens a new one.
   * An injected client is its owner's to manage and is left as it is.
   */
  private drop(): void {
    if (this.owned?.isOpen === true) this.owned.destroy();
  }

  /** Maps a driver error to the store's typed errors; other errors (script bugs) pass through unchanged. */
  private translate(error: unknown): Error {
    if (error instanceof LgError) return error;
    if (error instanceof ErrorReply) {
      if (error.message.startsWith(DAMAGED_HASH_REPLY)) {
        return new CheckpointCorruptError(damagedHashId(error.message), DAMAGED_HASH_DETAIL, { cause: error });
      }
      if (error.message.startsWith("WRONGTYPE")) {
        return new CheckpointCorruptError(
          undefined,
          "a key under the store's prefix holds another Redis type than the store writes",
          {
            cause: error,
          },
        );
      }
      if (UNAVAILABLE_REPLY.test(error.message)) return this.unavailable(error);
      return error;
    }
    return this.unavailable(error);
  }

  /**
   * The `StoreUnavailableError` of a failure to reach the server (a timeout, a refused connect), naming the server;
   * also used for the registry's pub/sub connection.
   */
  unavailable(error: unknown): StoreUnavailableError {
    if (error instanceof DeadlineExceededError) return this.timedOut(error);
    // a failed connect arrives as ReconnectStrategyError; the socket's own error says what really happened
    const socketError = (error as { socketError?: unknown }).socketError;
    let detail = messageOf(socketError ?? error);
    const last = this.lastError?.message;
    if (socketError === undefined && last !== undefined && last !== detail && !(error instanceof ErrorReply)) {
      detail += ` (last connection error: ${last})`;
    }
    return new StoreUnavailableError(
      `${this.display} is unavailable: ${detail}. Check that the server is running and reachable; ` +
        "the next call connects again and a retried save is safe (saving identical content again is a no-op).",
      { cause: error },
    );
  }

  private timedOut(error: DeadlineExceededError): StoreUnavailableError {
    const what =
      error.limit === "connectTimeout"
        ? `did not complete the connection within ${error.ms} ms (connectTimeout): it accepts connections but does not answer`
        : `did not answer within ${error.ms} ms (commandTimeout)`;
    return new StoreUnavailableError(
      `${this.display} ${what}. The server may be hung, overloaded or not Redis; the next call connects again. ` +
        "A save that timed out may or may not have been applied: saving it again is safe (identical content is a no-op).",
      { cause: error },
    );
  }

  /**
   * Stops the connection: later calls reject with `StoreClosedError`; calls under way get up to
   * {@link CLOSE_GRACE_MS} to finish, then the store's own connection is dropped under them, so `close()` returns
   * promptly even when the server is gone or frozen. An injected client is left open for its owner.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pending.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_GRACE_MS);
      });
      await Promise.race([Promise.allSettled([...this.pending]), grace]);
      clearTimeout(timer);
    }
    this.drop();
  }
}

/**
 * Creates the store's own client: offline queue off (a call while the connection is down fails or reconnects at
 * once, it never waits in a queue) and no background reconnects (see {@link RedisConnection}). The registry's
 * pub/sub client, which nothing calls again once subscribed, passes a `reconnectStrategy` that reconnects.
 */
export function createOwnedClient(
  options: ResolvedRedisOptions,
  // A fresh Error, never the socket error itself: node-redis tests `instanceof Error`, which fails for errors from
  // another realm (jest's sandbox), and would then fall back to retrying forever.
  reconnectStrategy: (retries: number) => number | Error = () => new Error("the store reconnects on its next call"),
): OwnedClient {
  const { target } = options;
  const socket = { connectTimeout: options.connectTimeout, reconnectStrategy };
  const common = { name: options.clientName, disableOfflineQueue: true };
  if (target.kind === "url") return createClient({ ...common, url: target.url, socket });
  if (target.kind !== "addr") throw new Error("an injected client is not created by the store");
  return createClient({
    ...common,
    socket: { ...socket, host: target.host, port: target.port },
    username: options.username,
    password: options.password,
    database: options.db,
  });
}
