import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { RedisCheckpointStore } from "@lg/store-redis";
import { PrivateRedis } from "../../../packages/store-redis/test/private-redis.js";
import { restartablePort } from "./ports.js";
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS, type OutageBackend } from "./backend.js";

// An append-only file synced on every write: a server killed with SIGKILL and started again keeps every save it
// acknowledged, as a production Redis holding checkpoints must be configured (the private server's default is
// no persistence at all). Later arguments win over the private server's own.
const DURABLE = ["--appendonly", "yes", "--appendfsync", "always"];

/** The suite's Redis: a private redis-server with an fsync'd append-only file, never the shared one. */
export class RedisOutageBackend implements OutageBackend {
  readonly name = "redis";
  readonly reconnectsInBackground = true;
  readonly exitsWhileFrozen = true;
  // "a call settles within connectTimeout + commandTimeout, and within twice that when its connection dropped
  // under it" (README, "Timeouts and reconnects").
  readonly bounds = {
    stopped: { ms: 2 * (CONNECT_TIMEOUT_MS + COMMAND_TIMEOUT_MS), note: "2 x (connectTimeout + commandTimeout)" },
    frozen: { ms: COMMAND_TIMEOUT_MS, note: "commandTimeout" },
    connect: { ms: CONNECT_TIMEOUT_MS, note: "connectTimeout" },
    wrongService: { ms: CONNECT_TIMEOUT_MS, note: "connectTimeout (the handshake gets no Redis answer)" },
  };
  private readonly clientName = `lg-outage-${randomBytes(4).toString("hex")}`;
  private readonly prefix = `lg-outage-${randomBytes(4).toString("hex")}:`;

  private constructor(private readonly server: PrivateRedis) {}

  /** Starts the private server (well under a second). */
  static async start(): Promise<RedisOutageBackend> {
    return new RedisOutageBackend(await PrivateRedis.start(DURABLE, await restartablePort()));
  }

  /** A store on the private server. */
  async openStore(): Promise<RedisCheckpointStore> {
    return this.storeAt("127.0.0.1", this.server.port);
  }

  /** `127.0.0.1:<port>` of the private server. */
  get address(): string {
    return `127.0.0.1:${this.server.port}`;
  }

  /** A store with the suite's options on `host:port`. */
  storeAt(host: string, port: number): RedisCheckpointStore {
    return new RedisCheckpointStore({
      addr: `${host}:${port}`,
      prefix: this.prefix,
      clientName: this.clientName,
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
    });
  }

  /** SIGKILL. */
  stop(): Promise<void> {
    return this.server.stop();
  }

  /** redis-server again on the same port and directory; it replays its append-only file. */
  restart(): Promise<void> {
    return this.server.resume();
  }

  /** SIGSTOP. */
  async freeze(): Promise<void> {
    this.server.freeze();
  }

  /** SIGCONT. */
  thaw(): void {
    this.server.thaw();
  }

  /** `CLIENT KILL ID` of every connection named after the suite's stores, from a client of its own. */
  async killStoreConnections(): Promise<number> {
    const admin = createClient({ url: this.server.url, socket: { reconnectStrategy: false, connectTimeout: 5000 } });
    admin.on("error", () => undefined); // the outcome is the command's; an event without a listener would crash
    await admin.connect();
    try {
      const list = await admin.sendCommand(["CLIENT", "LIST"]);
      const ids = String(list)
        .split("\n")
        .filter((line) => line.includes(` name=${this.clientName} `))
        .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
        .filter((id): id is string => id !== undefined);
      let killed = 0;
      for (const id of ids) killed += Number(await admin.sendCommand(["CLIENT", "KILL", "ID", id]));
      return killed;
    } finally {
      admin.destroy();
    }
  }

  /** Kills the server and removes its directory. */
  dispose(): Promise<void> {
    return this.server.dispose();
  }
}
