import { InvalidArgumentError, StoreClosedError, type StatusChange } from "@lg/core";
import { isStatus } from "@lg/core/store";
import { createOwnedClient, type RedisConnection } from "./connection.js";
import { withDeadline } from "./deadline.js";
import type { PubSubMessageListener, ResolvedRedisOptions } from "./options.js";

/** A listener of the registry's status changes. */
type Listener = (change: StatusChange) => void;

/** A subscription to the channel, however it was made; `stop` ends it. */
interface Subscription {
  stop(): Promise<void>;
}

const STORE_NAME = "RedisCheckpointStore";

/** The change a channel message announces, or `undefined` for a message the registry's scripts did not publish. */
function changeOf(message: string): StatusChange | undefined {
  try {
    const parsed = JSON.parse(message) as { executionId?: unknown; status?: unknown } | null;
    if (typeof parsed?.executionId !== "string" || !isStatus(parsed.status)) return undefined;
    return { executionId: parsed.executionId, status: parsed.status };
  } catch {
    return undefined;
  }
}

/**
 * The registry's pub/sub: one subscription to the store's channel, shared by every listener of the store, opened by
 * the first `subscribe` and ended when the last listener goes or the store closes. It listens on a connection of
 * its own (pub/sub takes a connection over): a new client for a store that opened its own, a `duplicate()` of an
 * injected client, the cluster client's own pub/sub connection for a cluster client. Connecting and subscribing are
 * bounded by `connectTimeout` and `commandTimeout`; once subscribed, the connection reconnects by itself and
 * subscribes again (changes published while it was down are missed: workers also poll).
 */
export class RegistrySubscriber {
  private readonly listeners = new Set<{ listener: Listener }>();
  private subscription: Promise<Subscription> | undefined;
  private closed = false;

  /** Creates the subscriber of one store (nothing is opened before the first listener). */
  constructor(
    private readonly options: ResolvedRedisOptions,
    private readonly connection: RedisConnection,
    private readonly channel: string,
  ) {}

  /** Adds `listener`; resolves once the channel is subscribed, with the function that removes it. */
  async add(listener: Listener): Promise<() => Promise<void>> {
    const entry = { listener };
    this.listeners.add(entry);
    const opening = (this.subscription ??= this.open());
    try {
      await opening;
    } catch (error) {
      this.listeners.delete(entry);
      if (this.subscription === opening) this.subscription = undefined; // the next subscribe tries again
      throw error;
    }
    return async () => {
      if (!this.listeners.delete(entry) || this.listeners.size > 0) return;
      await this.stop();
    };
  }

  /** Ends the subscription and drops every listener (the store's `close()`); later `add` calls reject. */
  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    await this.stop();
  }

  private async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    if (subscription === undefined) return;
    try {
      await (await subscription).stop();
    } catch {
      // it never opened: nothing to end
    }
  }

  private readonly onMessage: PubSubMessageListener = (message) => {
    const change = changeOf(String(message));
    if (change === undefined) return;
    for (const { listener } of [...this.listeners]) {
      try {
        listener(change);
      } catch {
        // one listener's failure must not keep the change from the others, nor kill the connection's reader
      }
    }
  };

  private async open(): Promise<Subscription> {
    if (this.closed) throw new StoreClosedError(STORE_NAME);
    const { target, connectTimeout, commandTimeout } = this.options;
    try {
      if (target.kind === "cluster") {
        const cluster = target.client;
        const { subscribe, unsubscribe } = cluster;
        if (subscribe === undefined || unsubscribe === undefined)
          throw new InvalidArgumentError("subscribe needs a cluster client with subscribe() and unsubscribe()");
        await withDeadline(
          subscribe.call(cluster, this.channel, this.onMessage),
          connectTimeout + commandTimeout,
          "connectTimeout + commandTimeout",
          () => undefined,
        );
        return {
          stop: async () => {
            await withDeadline(
              unsubscribe.call(cluster, this.channel, this.onMessage),
              commandTimeout,
              "commandTimeout",
              () => undefined,
            );
          },
        };
      }
      // Until it is subscribed a failed connect fails the subscribe; afterwards it reconnects (and node-redis
      // subscribes again) with a backoff, as nothing else would call it again.
      let subscribed = false;
      const reconnect = (retries: number): number | Error =>
        subscribed ? Math.min(50 * 2 ** retries, 2000) : new Error("the subscribe could not connect");
      const client =
        target.kind === "client" ? target.client.duplicate?.() : createOwnedClient(this.options, reconnect);
      if (client === undefined)
        throw new InvalidArgumentError("subscribe needs an injected client with duplicate() (a node-redis client)");
      client.on("error", () => undefined); // reported through the calls that fail; the client reconnects by itself
      const drop = (): void => {
        if (client.isOpen) client.destroy();
      };
      try {
        await withDeadline(client.connect(), connectTimeout, "connectTimeout", drop);
        await withDeadline(client.subscribe(this.channel, this.onMessage), commandTimeout, "commandTimeout", drop);
        subscribed = true;
      } catch (error) {
        drop();
        throw error;
      }
      return {
        stop: async () => {
          drop();
          await Promise.resolve();
        },
      };
    } catch (error) {
      if (error instanceof InvalidArgumentError || error instanceof StoreClosedError) throw error;
      throw this.connection.unavailable(error);
    }
  }
}
