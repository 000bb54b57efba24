import type { CheckpointStore } from "@lg/core";

/** A server of the suite's own that can be stopped, frozen and have its connections killed. */
export interface OutageBackend {
  /** `postgres` or `redis`, as in the figures. */
  readonly name: string;
  /** `host:port` of the server. */
  readonly address: string;
  /** A store on the server with the suite's short timeouts (table or prefix ready); the caller closes it. */
  openStore(): Promise<CheckpointStore>;
  /** A store with the same options on another address: a silent listener or a service that is not this one. */
  storeAt(host: string, port: number): CheckpointStore;
  /** Stops the server at once, as an outage does (not a clean shutdown). */
  stop(): Promise<void>;
  /** Starts it again after {@link stop}, on the same port and with what it had committed. */
  restart(): Promise<void>;
  /** Freezes every process of the server (SIGSTOP): connections are accepted and never answered. */
  freeze(): Promise<void>;
  /** Lets the frozen server run again. */
  thaw(): void;
  /**
   * Whether the store's client reconnects on its own, in the background, after its connection is killed (node-redis
   * does; postgres.js connects again when the next query needs it): a step may then start before it is back.
   */
  readonly reconnectsInBackground: boolean;
  /** Kills every connection of the stores from {@link openStore} on the server's side; returns how many. */
  killStoreConnections(): Promise<number>;
  /**
   * Whether a process whose store gave up on a frozen server can exit while the server stays frozen. False for
   * PostgreSQL: postgres.js ends a dropped connection with a graceful close (FIN), and the socket stays open until
   * the peer closes its side, which a frozen server (whose kernel still acknowledges) never does.
   */
  readonly exitsWhileFrozen: boolean;
  /** Documented bounds with the suite's options, in milliseconds, and how each follows from the README. */
  readonly bounds: Readonly<Record<"stopped" | "frozen" | "connect" | "wrongService", { ms: number; note: string }>>;
  /** Closes the suite's own clients and removes the server. */
  dispose(): Promise<void>;
}

/** Connect bound given to every store of the suite (the stores' default is 5 s): keeps the suite fast. */
export const CONNECT_TIMEOUT_MS = 1000;
/** Command bound given to every store of the suite (PostgreSQL's default is 10 s, Redis's 5 s). */
export const COMMAND_TIMEOUT_MS = 1000;
/** Lock wait given to the suite's SQLite stores (the default is 5 s). */
export const BUSY_TIMEOUT_MS = 1000;
