import { fork } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import type { Hit } from "./points.js";
import type { ChildMessage, ChildOrder } from "./protocol.js";

/** How to start a child. */
export interface ChildLauncher {
  /** Absolute path of the compiled child script (see `buildChild`). */
  script: string;
}

/** How a child ended. */
export type ChildEnd =
  /** It reached its armed point and killed itself. */
  | { kind: "killed-itself"; hit: Hit }
  /** The driver killed it after `delayMs`; `held`: the child was waiting at its point by then. */
  | { kind: "killed-by-driver"; delayMs: number; held: boolean }
  /** It ran the execution to the end. */
  | { kind: "finished"; runMs: number };

/** A child's run as the driver saw it. */
export interface ChildRun {
  /** How it ended. */
  end: ChildEnd;
  /** The latest version the child found when it started (0: none), when it got that far. */
  latestVersion?: number;
  /** Milliseconds from fork to exit. */
  wallMs: number;
  /** Milliseconds from `ready` (the graph starting) to exit; 0 when the child never got there. */
  runningMs: number;
}

/** Error for a child that ended in a way the suite does not expect (a crash, an exit code, a hang). */
export class ChildFailedError extends Error {
  /** Stable code of this error. */
  readonly code = "LG_RELIABILITY_CHILD_FAILED";

  /** Creates the error; the message says how the child ended. */
  constructor(message: string) {
    super(message);
    this.name = "ChildFailedError";
  }
}

/** Options of {@link runChild}. */
export interface RunChildOptions {
  /** Kill the child with SIGKILL this many milliseconds after it reported `ready` (unless it finished first). */
  killAfterReadyMs?: number;
  /** A child still running after this long is killed and reported as a failure (default 90 s). */
  timeoutMs?: number;
}

function readHit(markerFile: string): Hit | undefined {
  if (!existsSync(markerFile)) return undefined;
  const lines = readFileSync(markerFile, "utf8").trim().split("\n");
  return JSON.parse(lines[lines.length - 1] as string) as Hit;
}

/**
 * Forks one child with `order` and resolves with how it ended. Rejects with {@link ChildFailedError} when it
 * exits with an error, dies of another signal, or outlives `timeoutMs`.
 */
export function runChild(launcher: ChildLauncher, order: ChildOrder, options: RunChildOptions = {}): Promise<ChildRun> {
  const started = Date.now();
  const child = fork(launcher.script, [JSON.stringify(order)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let latestVersion: number | undefined;
  let runMs: number | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let killedByDriver = false;
  let readyAt: number | undefined;
  let hung = false;
  const hang = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, options.timeoutMs ?? 90_000);
  child.on("message", (message: ChildMessage) => {
    if (message.kind === "ready") {
      latestVersion = message.latestVersion;
      readyAt = Date.now();
      const delay = options.killAfterReadyMs;
      if (delay !== undefined) {
        killTimer = setTimeout(() => {
          killedByDriver = true;
          child.kill("SIGKILL");
        }, delay);
      }
    } else {
      runMs = message.runMs;
      clearTimeout(killTimer);
    }
  });
  return new Promise((resolve, reject) => {
    child.once("error", (error) => {
      clearTimeout(hang);
      clearTimeout(killTimer);
      reject(new ChildFailedError(`cannot run the kill-suite child: ${error.message}`));
    });
    // "close", not "exit": it comes after the IPC channel has delivered the child's last messages.
    child.once("close", (code, signal) => {
      clearTimeout(hang);
      clearTimeout(killTimer);
      const wallMs = Date.now() - started;
      const runningMs = readyAt === undefined ? 0 : Date.now() - readyAt;
      const hit = readHit(order.markerFile);
      const seen = latestVersion === undefined ? { runningMs } : { latestVersion, runningMs };
      if (signal === "SIGKILL" && killedByDriver) {
        const end: ChildEnd = {
          kind: "killed-by-driver",
          delayMs: options.killAfterReadyMs ?? 0,
          held: hit !== undefined,
        };
        return resolve({ end, wallMs, ...seen });
      }
      if (signal === "SIGKILL" && hit !== undefined && !hung) {
        return resolve({ end: { kind: "killed-itself", hit }, wallMs, ...seen });
      }
      if (code === 0 && runMs !== undefined) return resolve({ end: { kind: "finished", runMs }, wallMs, ...seen });
      reject(
        new ChildFailedError(
          hung
            ? `kill-suite child for ${order.executionId} was still running after ${wallMs} ms and was killed`
            : `kill-suite child for ${order.executionId} ended with code ${String(code)}, signal ${String(signal)} after ${wallMs} ms`,
        ),
      );
    });
  });
}
