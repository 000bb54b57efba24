import { StoreClosedError, StoreUnavailableError } from "@lg/core";
import { createClient } from "./client.js";
import { CLIENT_BOUND_MARGIN_MS, withinBound } from "./command-bound.js";
import {
  isConnectionError,
  isLostConnection,
  redact,
  serverTarget,
  toStoreError,
  type SaveTarget,
  type ServerTarget,
} from "./errors.js";
import type { PostgresClient, PostgresOptions, ResolvedPostgresOptions } from "./options.js";
import { dense } from "./dense.js";

/** A statement parameter. */
export type Param = string | number | null;

// Pauses before each repeat of a statement whose connection was lost; their number is the number of repeats.
const RECONNECT_PAUSES_MS = [10, 50];
// close() lets calls under way finish for this long, then drops the connections under them.
const CLOSE_GRACE_SECONDS = 0.5;

/**
 * The store's client and how every statement and transaction runs on it: bounded in time, repeated on a connection
 * that turned out to be dead, and with its errors mapped to `@lg/core`'s (`errors.ts`).
 */
export class Connection {
  /** Where the client connects, for error messages (never the password). */
  readonly target: ServerTarget;
  private readonly ownsClient: boolean;
  // Creates a fresh pool after the old one was dropped for not answering; undefined for an injected client.
  private readonly replaceClient: (() => PostgresClient) | undefined;
  private client: PostgresClient;
  private closed = false;
  private readonly replacedListeners: ((client: PostgresClient) => void)[] = [];

  /** Takes the injected `sql`, or creates the store's own pool (no connection is opened yet). */
  constructor(
    options: PostgresOptions,
    private readonly resolved: ResolvedPostgresOptions,
  ) {
    this.ownsClient = options.sql === undefined;
    this.replaceClient = this.ownsClient ? () => createClient(options, resolved) : undefined;
    this.client = options.sql ?? createClient(options, resolved);
    this.target = serverTarget(this.client);
  }

  /** The client in use (replaced when the server stopped answering). */
  get sql(): PostgresClient {
    return this.client;
  }

  /** Calls `listener` with the new client each time the store replaces its pool (see `run`). */
  onReplaced(listener: (client: PostgresClient) => void): void {
    this.replacedListeners.push(listener);
  }

  /** Whether {@link end} was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops; ends the pool only when it was created here. */
  async end(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) await this.client.end({ timeout: CLOSE_GRACE_SECONDS });
  }

  /** Runs a statement and returns its rows as arrays; `saving` names the checkpoint a save writes, for a conflict. */
  rows(text: string, params: Param[], saving?: SaveTarget): Promise<unknown[][]> {
    return this.run(
      async () => dense((await this.client.unsafe(text, params, { prepare: true }).values()) as unknown[][]),
      saving,
    );
  }

  /** Runs a statement and returns its row count. */
  execute(text: string, params: Param[], saving?: SaveTarget): Promise<number> {
    return this.run(async () => (await this.client.unsafe(text, params, { prepare: true })).count, saving);
  }

  /**
   * Runs a statement (or a transaction), repeating it (at most twice) when the connection it used turns out to be
   * dead. A pooled connection whose backend was terminated or restarted fails on first use, and the driver may hand
   * the repeat another socket the server dropped at the same moment; without the repeats, a server restart would fail
   * one call per pooled connection. Each attempt is bounded (commandTimeoutMs plus a margin); one that outlives the
   * bound is not repeated: the server is not answering, and repeating would double the wait. With `repeat` false it
   * runs once (work that must not be done twice, such as a LISTEN).
   */
  async run<T>(statement: () => Promise<T>, saving?: SaveTarget, repeat = true): Promise<T> {
    const boundMs = this.resolved.commandTimeoutMs + CLIENT_BOUND_MARGIN_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        const client = this.client;
        return await withinBound(statement(), boundMs, () => this.noAnswer(client, boundMs));
      } catch (error) {
        if (this.closed && isConnectionError(error)) throw new StoreClosedError("PostgresCheckpointStore");
        const pause = repeat ? RECONNECT_PAUSES_MS[attempt] : undefined;
        if (pause === undefined || this.closed || !isLostConnection(error)) {
          throw toStoreError(error, this.target, this.resolved.qualifiedTable, saving);
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  // The server did not answer within the bound. The statement cannot be abandoned on its connection, and a frozen
  // server holds every other connection of the pool the same way: the store's own pool is dropped (calls on it
  // reject or repeat on the new one) and the next call connects afresh. An injected client is left to its owner.
  private noAnswer(client: PostgresClient, boundMs: number): StoreUnavailableError {
    if (this.replaceClient !== undefined && client === this.client && !this.closed) {
      this.client = this.replaceClient();
      void client.end({ timeout: 0 }).catch(() => undefined);
      for (const listener of this.replacedListeners) listener(this.client);
    }
    return new StoreUnavailableError(
      redact(
        `PostgreSQL at ${this.target.label} did not answer within ${boundMs} ms (commandTimeoutMs ` +
          `${this.resolved.commandTimeoutMs} ms + ${CLIENT_BOUND_MARGIN_MS} ms): the server is hung, frozen or ` +
          "unreachable. Its connections were dropped; the next call connects again.",
        this.target,
      ),
    );
  }
}
