import type { StatusChange } from "@lg/core";
import { isStatus } from "@lg/core/store";
import type { PostgresClient } from "./options.js";

/**
 * The registry's `subscribe`: LISTEN on the registry's channel (postgres.js `sql.listen`, which keeps one dedicated
 * connection per client for all its channels). Every statement that changes a status sends `pg_notify` in the same
 * statement, so a change is announced only once it commits.
 *
 * When the listening connection is lost, postgres.js opens a new one and listens again; changes made while it was
 * down are not announced. A subscription is a way to wake at once, not a log: workers and waiters keep polling at
 * their own pace as well.
 *
 * @packageDocumentation
 */

/** A NOTIFY whose `{executionId, status}` was too long: the status and the two key expressions of the id. */
interface KeyedChange {
  status: StatusChange["status"];
  prefix: string;
  digest: string;
}

/** How subscriptions reach the database: the store's bounded runners. */
export interface ListenRunner {
  /** The client to LISTEN on (the store's current one). */
  client(): PostgresClient;
  /** Runs `work` once, bounded like a statement, with errors mapped to the store's. */
  once<T>(work: () => Promise<T>): Promise<T>;
  /** The execution id of a {@link KeyedChange}, or `undefined` when no record has it any more. */
  resolve(prefix: string, digest: string): Promise<string | undefined>;
}

// Pauses between attempts to listen again after the store replaced its pool.
const RELISTEN_FIRST_PAUSE_MS = 100;
const RELISTEN_MAX_PAUSE_MS = 5000;

/** One listener's LISTEN. */
interface Subscription {
  active: boolean;
  /** The client it listens (or tries to listen) on. */
  client: PostgresClient;
  /** What postgres.js calls with each payload. */
  onNotify(payload: string): void;
  unlisten(): Promise<void>;
  /** The deliveries under way, in the order the notifications came: a long id's change waits for its lookup. */
  queue: Promise<void>;
}

/** The parsed payload: a change, a keyed change to resolve, or `undefined` for a payload the store never sends. */
function parsePayload(payload: string): StatusChange | KeyedChange | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  const { executionId, status, prefix, digest } = value as Record<string, unknown>;
  if (!isStatus(status)) return undefined;
  if (typeof executionId === "string") return { executionId, status };
  if (typeof prefix === "string" && typeof digest === "string") return { status, prefix, digest };
  return undefined;
}

// A listener that throws must not break the notification connection that every other subscriber shares: its error
// stays its own.
function deliver(listener: (change: StatusChange) => void, change: StatusChange): void {
  try {
    listener(change);
  } catch {
    // ignored, see above
  }
}

/** The subscriptions of one store: opened by `subscribe`, all ended by `close`. */
export class Subscriptions {
  private readonly open = new Set<Subscription>();

  constructor(
    private readonly runner: ListenRunner,
    private readonly channel: string,
  ) {}

  /** Listens; resolves once the LISTEN is in place, with the function that ends it. */
  async subscribe(listener: (change: StatusChange) => void): Promise<() => Promise<void>> {
    const client = this.runner.client();
    const sub: Subscription = {
      active: true,
      client,
      onNotify: () => undefined,
      unlisten: async () => undefined,
      queue: Promise.resolve(),
    };
    sub.onNotify = (payload: string): void => {
      if (!sub.active) return;
      const change = parsePayload(payload);
      if (change === undefined) return;
      if ("executionId" in change) {
        sub.queue = sub.queue.then(() => {
          if (sub.active) deliver(listener, change);
        });
        return;
      }
      const resolved = this.runner.resolve(change.prefix, change.digest);
      sub.queue = sub.queue.then(() =>
        resolved.then(
          (executionId) => {
            if (executionId !== undefined && sub.active) deliver(listener, { executionId, status: change.status });
          },
          () => undefined, // a hint that could not be resolved: the pollers find the change
        ),
      );
    };
    const { unlisten } = await this.runner.once(() => client.listen(this.channel, sub.onNotify));
    sub.unlisten = unlisten;
    this.open.add(sub);
    return () => this.end(sub);
  }

  /**
   * Listens again on `client`: the store dropped the pool that held the LISTEN connection (a server that stopped
   * answering), and with it every LISTEN. Each subscription tries until it listens, pausing longer after each failure
   * (up to {@link RELISTEN_MAX_PAUSE_MS}); it gives up when it ends, or when the pool is replaced again (the next
   * round takes over). Changes made meanwhile are not announced: the pollers find them.
   */
  relisten(client: PostgresClient): void {
    for (const sub of this.open) {
      sub.client = client;
      this.listenAgain(sub, client, RELISTEN_FIRST_PAUSE_MS);
    }
  }

  private listenAgain(sub: Subscription, client: PostgresClient, pause: number): void {
    if (!sub.active || sub.client !== client) return;
    this.runner
      .once(() => client.listen(this.channel, sub.onNotify))
      .then(
        ({ unlisten }) => {
          if (sub.active && sub.client === client) sub.unlisten = unlisten;
          else void unlisten().catch(() => undefined);
        },
        () => {
          const timer = setTimeout(
            () => this.listenAgain(sub, client, Math.min(pause * 2, RELISTEN_MAX_PAUSE_MS)),
            pause,
          );
          timer.unref(); // a deaf subscription does not keep the process alive
        },
      );
  }

  /**
   * Ends every subscription (the store closes): no listener is called any more. The UNLISTENs are sent without
   * waiting for them, so that `close()` stays quick on a server that does not answer; the store's own pool ends the
   * listening connection anyway, and an injected client gets them when it can.
   */
  endAll(): void {
    for (const sub of [...this.open]) void this.end(sub);
  }

  private async end(sub: Subscription): Promise<void> {
    if (!sub.active) return;
    sub.active = false;
    this.open.delete(sub);
    // A listening connection that is gone took its LISTEN with it: nothing is left to undo.
    await this.runner.once(() => sub.unlisten()).catch(() => undefined);
  }
}
