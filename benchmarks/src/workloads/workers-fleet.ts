/**
 * Starts and stops the child processes of the workers workload (`workers-process.ts`, run through tsx) and hands
 * their messages to the benchmark process.
 *
 * @packageDocumentation
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ChildConfig, ChildMessage, ParentMessage } from "./workers-protocol.js";

const SCRIPT = fileURLToPath(new URL("./workers-process.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");

/** How long a child may take to open its store, or to stop, before the run fails or it is killed. */
const STARTUP_MS = 60_000;
const STOP_MS = 15_000;

/** What a child reported when it stopped. */
export interface ChildStats {
  /** Statements its store sent between `go` and `stop` (PostgreSQL; 0 elsewhere). */
  statements: number;
  /** Lease renewals (registry `renew` calls) in that time. */
  renewals: number;
  /** Leases renewed by those calls, together. */
  renewedLeases: number;
  /** CPU time the process used in that time (user and system), in milliseconds. */
  cpuMs: number;
}

/** One child process. */
export class Child {
  /** Its process id. */
  readonly pid: number;
  private readonly exited: Promise<void>;
  private stats: ChildStats | undefined;
  private failure: string | undefined;
  private finished: ((elapsedMs: number) => void) | undefined;

  private constructor(
    private readonly process: ChildProcess,
    onMessage: (message: ChildMessage, child: Child) => void,
  ) {
    this.pid = process.pid ?? -1;
    this.exited = new Promise((resolve) => process.once("exit", () => resolve()));
    process.on("message", (message: ChildMessage) => {
      if (message.type === "stats")
        this.stats = {
          statements: message.statements,
          renewals: message.renewals,
          renewedLeases: message.renewedLeases,
          cpuMs: message.cpuMs,
        };
      else if (message.type === "failed") this.failure = message.message;
      else if (message.type === "finished") this.finished?.(message.elapsedMs);
      onMessage(message, this);
    });
  }

  /** Starts a child with `config` and resolves once it is ready (its store open, waiting for `go`). */
  static async start(config: ChildConfig, onMessage: (message: ChildMessage, child: Child) => void): Promise<Child> {
    const process = fork(SCRIPT, [JSON.stringify(config)], {
      execArgv: ["--import", TSX],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`a ${config.mode} process did not start in time`)), STARTUP_MS);
      process.on("message", (message: ChildMessage) => {
        if (message.type === "ready") resolve();
        if (message.type === "failed") reject(new Error(`a ${config.mode} process failed: ${message.message}`));
        if (message.type === "ready" || message.type === "failed") clearTimeout(timer);
      });
      process.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`a ${config.mode} process exited (code ${String(code)}) before it was ready`));
      });
    });
    const child = new Child(process, onMessage);
    try {
      await ready;
    } catch (error) {
      child.kill();
      throw error;
    }
    return child;
  }

  /** Sends a message. */
  post(message: ParentMessage): void {
    if (this.process.connected) this.process.send(message);
  }

  /** Resolves with the elapsed time an `invoke` child reports once it ran every execution; rejects if it failed. */
  whenFinished(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.finished = resolve;
      this.process.on("message", (message: ChildMessage) => {
        if (message.type === "failed") reject(new Error(`the invoke process failed: ${message.message}`));
      });
    });
  }

  /** Kills it at once (SIGKILL: no cleanup, its leases stay held until they expire). */
  kill(): void {
    this.process.kill("SIGKILL");
  }

  /** Asks it to stop gracefully and returns what it reported (it is killed if it does not exit in time). */
  async stop(): Promise<ChildStats> {
    this.post({ type: "stop" });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), STOP_MS)));
    const outcome = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (outcome === "late") {
      this.kill();
      await this.exited;
    }
    if (this.failure !== undefined) throw new Error(`a child process failed: ${this.failure}`);
    if (this.stats === undefined) throw new Error(`child ${this.pid} stopped without reporting its statements`);
    return this.stats;
  }

  /** Resolves when the process has exited. */
  whenExited(): Promise<void> {
    return this.exited;
  }
}
