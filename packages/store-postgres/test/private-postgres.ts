import { execFile } from "node:child_process";
import { chownSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * A PostgreSQL server of the test's own (initdb + pg_ctl on a free port, trust auth), for what must never be done to
 * the shared server: stopping it, or freezing it with SIGSTOP. Its files live in a temporary directory owned by the
 * `postgres` user when the tests run as root (PostgreSQL refuses to run as root).
 */

const BIN = process.env.LG_TEST_POSTGRES_BIN ?? "/usr/lib/postgresql/15/bin";
const run = promisify(execFile);

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** A listener that accepts connections and never answers: the cheapest hung server. */
export async function silentListener(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<import("node:net").Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return {
    url: `postgres://postgres@127.0.0.1:${address.port}/postgres`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

// PostgreSQL refuses to run as root: run its programs as the postgres user then.
function asServerUser(program: string, args: string[]): Promise<unknown> {
  const path = join(BIN, program);
  return userInfo().uid === 0 ? run("runuser", ["-u", "postgres", "--", path, ...args]) : run(path, args);
}

/** One private PostgreSQL server. */
export class PrivatePostgres {
  private frozen: number[] = [];

  private constructor(
    /** TCP port of the server. */
    readonly port: number,
    private readonly dir: string,
  ) {}

  /**
   * Creates a cluster in a temporary directory and starts it on `port`, or on a free port (about 3 s). A test that
   * stops and restarts the server may pass a port outside the ephemeral range, which no outgoing connection of the
   * machine can take while the server is down.
   */
  static async start(port?: number): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), "lg-store-postgres-"));
    if (userInfo().uid === 0) {
      const { stdout } = await run("id", ["-u", "postgres"]);
      const { stdout: gid } = await run("id", ["-g", "postgres"]);
      chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const server = new PrivatePostgres(port ?? (await freePort()), dir);
    await asServerUser("initdb", ["-D", server.dataDir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
    await server.restart();
    return server;
  }

  /** Starts the server (again, after {@link stop}) on its data directory and port; what was committed is kept. */
  async restart(): Promise<void> {
    const settings = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    await asServerUser("pg_ctl", ["-D", this.dataDir, "-o", settings, "-l", join(this.dir, "log"), "-w", "start"]);
  }

  private get dataDir(): string {
    return join(this.dir, "data");
  }

  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** The postmaster and every backend it forked. */
  private async processIds(): Promise<number[]> {
    const postmaster = Number(readFileSync(join(this.dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    const { stdout } = await run("ps", ["-o", "pid=", "--ppid", String(postmaster)]);
    return [
      postmaster,
      ...stdout
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map(Number),
    ];
  }

  /**
   * Freezes the whole server with SIGSTOP (postmaster first, so that it forks nothing meanwhile): the kernel still
   * accepts connections and acknowledges packets, nothing answers.
   */
  async freeze(): Promise<void> {
    this.frozen = await this.processIds();
    for (const pid of this.frozen) process.kill(pid, "SIGSTOP");
  }

  /** Lets a frozen server run again (SIGCONT). */
  thaw(): void {
    for (const pid of this.frozen.splice(0)) {
      try {
        process.kill(pid, "SIGCONT");
      } catch {
        // the process is gone
      }
    }
  }

  /** Stops the server at once (an outage, not a clean shutdown); connections to its port are refused. */
  async stop(): Promise<void> {
    this.thaw();
    await asServerUser("pg_ctl", ["-D", this.dataDir, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
  }

  /** Thaws the server if frozen, stops it at once and removes its directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * For a `describe` block whose tests freeze or stop a server of their own: starts one before its tests, thaws it after
 * each test and disposes of it after the block. `server` is available once the block's tests run.
 */
export function usePrivatePostgres(): { readonly server: PrivatePostgres } {
  let server: PrivatePostgres | undefined;
  beforeAll(async () => {
    server = await PrivatePostgres.start();
  }, 60_000);
  afterAll(async () => {
    await server?.dispose();
  });
  afterEach(() => {
    server?.thaw();
  });
  return {
    get server(): PrivatePostgres {
      if (server === undefined) throw new Error("the private server runs only while the block's tests run");
      return server;
    },
  };
}
