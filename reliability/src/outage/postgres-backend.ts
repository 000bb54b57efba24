import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { PostgresCheckpointStore } from "@lg/store-postgres";
import { PrivatePostgres } from "../../../packages/store-postgres/test/private-postgres.js";
import { restartablePort } from "./ports.js";
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS, type OutageBackend } from "./backend.js";

/** The suite's PostgreSQL: a private server (initdb + pg_ctl), never the shared one. */
export class PostgresOutageBackend implements OutageBackend {
  readonly name = "postgres";
  readonly reconnectsInBackground = false;
  readonly exitsWhileFrozen = false;
  // Attempts of one statement whose connection died: the first and at most two repeats (README, "Behaviour").
  readonly bounds = {
    stopped: { ms: 3 * CONNECT_TIMEOUT_MS, note: "3 connects x connectTimeoutMs (first try + 2 repeats)" },
    frozen: { ms: COMMAND_TIMEOUT_MS + 1000, note: "commandTimeoutMs + 1 s (client-side bound)" },
    connect: { ms: CONNECT_TIMEOUT_MS, note: "connectTimeoutMs" },
    // postgres.js reconnects at once when a server closes the connection during the handshake, so a service that
    // answers garbage and hangs up is only stopped by the client-side bound of every call.
    wrongService: { ms: COMMAND_TIMEOUT_MS + 1000, note: "commandTimeoutMs + 1 s (client-side bound)" },
  };
  private readonly applicationName = `lg-outage-${randomBytes(4).toString("hex")}`;

  private constructor(private readonly server: PrivatePostgres) {}

  /** Starts the private server (about 3 s). */
  static async start(): Promise<PostgresOutageBackend> {
    return new PostgresOutageBackend(await PrivatePostgres.start(await restartablePort()));
  }

  private options(connString: string): ConstructorParameters<typeof PostgresCheckpointStore>[0] {
    return {
      connString,
      applicationName: this.applicationName,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      tableName: "outage_checkpoints",
      // postgres.js prints server notices with console.log by default; the shutdown notice of a stopped server
      // ("terminating connection due to immediate shutdown command") is expected here.
      clientOptions: { onnotice: () => undefined },
    };
  }

  /** A store on the private server, its table set up. */
  async openStore(): Promise<PostgresCheckpointStore> {
    return PostgresCheckpointStore.connect(this.options(this.server.url));
  }

  /** `127.0.0.1:<port>` of the private server. */
  get address(): string {
    return `127.0.0.1:${this.server.port}`;
  }

  /** A store with the suite's options on `host:port`. */
  storeAt(host: string, port: number): PostgresCheckpointStore {
    return new PostgresCheckpointStore(this.options(`postgres://postgres@${host}:${port}/postgres`));
  }

  /** `pg_ctl stop -m immediate`. */
  stop(): Promise<void> {
    return this.server.stop();
  }

  /** `pg_ctl start` on the same data directory and port. */
  restart(): Promise<void> {
    return this.server.restart();
  }

  /** SIGSTOP to the postmaster and every backend. */
  freeze(): Promise<void> {
    return this.server.freeze();
  }

  /** SIGCONT to the frozen processes. */
  thaw(): void {
    this.server.thaw();
  }

  /** `pg_terminate_backend` of every connection named after the suite's stores, from a connection of its own. */
  async killStoreConnections(): Promise<number> {
    const admin = postgres(this.server.url, { max: 1, onnotice: () => undefined, connect_timeout: 5 });
    try {
      // The subquery is a fence (OFFSET 0): in a plain WHERE the planner may call pg_terminate_backend before the
      // name test, on every backend, this one included.
      const rows = await admin<{ killed: boolean }[]>`
        SELECT pg_terminate_backend(pid) AS killed
        FROM (SELECT pid FROM pg_stat_activity WHERE application_name = ${this.applicationName} OFFSET 0) AS store_connections`;
      return rows.filter((row) => row.killed).length;
    } finally {
      await admin.end({ timeout: 1 });
    }
  }

  /** Stops the server and removes its directory. */
  dispose(): Promise<void> {
    return this.server.dispose();
  }
}
