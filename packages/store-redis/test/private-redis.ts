import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A redis-server of the test's own, on a free port, for what must not touch the shared server: stopping it to
 * test an outage, flushing its script cache, or running it as a Redis Cluster node. Started without persistence.
 */

const REDIS_SERVER = process.env.LG_TEST_REDIS_SERVER_BIN ?? "redis-server";
const START_TIMEOUT_MS = 10_000;

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

function waitForReady(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`redis-server on port ${port} did not start within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on port ${port} exited with ${String(code)} before it was ready:\n${output}`));
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${REDIS_SERVER} (set LG_TEST_REDIS_SERVER_BIN): ${error.message}`));
    });
  });
}

/** One private redis-server process. */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "lg-store-redis-"));

  private constructor(
    /** TCP port of the server. */
    readonly port: number,
    private readonly extraArgs: readonly string[],
  ) {}

  /** Starts a server on a free port; `extraArgs` are added to the command line. */
  static async start(extraArgs: readonly string[] = [], port?: number): Promise<PrivateRedis> {
    const server = new PrivateRedis(port ?? (await freePort()), extraArgs);
    await server.resume();
    return server;
  }

  /** `redis://127.0.0.1:<port>`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Directory for the server's files (cluster config). */
  get directory(): string {
    return this.dir;
  }

  /** Starts the process again on the same port after {@link stop}. */
  async resume(): Promise<void> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
    const child = spawn(REDIS_SERVER, [...args, "--dir", this.dir, "--logfile", "", ...this.extraArgs], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    await waitForReady(child, this.port);
    child.stdout?.resume(); // keep draining the log so the server never blocks on a full pipe
    child.stderr?.resume();
  }

  /** Stops the process (SIGKILL: an outage, not a clean shutdown) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await exited;
  }

  /** The process id of the running server. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Freezes the process (SIGSTOP): connections stay open and are even accepted by the kernel, nothing answers. */
  freeze(): void {
    this.child?.kill("SIGSTOP");
  }

  /** Lets a frozen process run again (SIGCONT). */
  thaw(): void {
    this.child?.kill("SIGCONT");
  }

  /** Stops the process and removes its directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
