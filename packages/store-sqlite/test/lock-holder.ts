import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

const HOLDER = join(__dirname, "fixtures", "lock-holder.cjs");

/** Another process holding a SQLite file's write lock (test/fixtures/lock-holder.cjs). */
export interface Holder {
  child: ChildProcess;
  /** Resolves when the holder printed this line. */
  printed(line: "locked" | "released"): Promise<void>;
  exited: Promise<void>;
}

/** Starts a process that takes `file`'s write lock, holds it for `holdMs` and then commits. */
export function holdLock(file: string, holdMs: number): Holder {
  const child = spawn(process.execPath, [HOLDER, require.resolve("better-sqlite3"), file, String(holdMs)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    lines.push(line);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const printed = (line: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (lines.includes(line)) resolve();
        else if (child.exitCode !== null) reject(new Error(`lock holder exited (${child.exitCode}) before "${line}"`));
        else waiters.push(check);
      };
      check();
      void exited.then(check);
    });
  return { child, printed, exited };
}

/** Ends a holder still running (after a failed test) and waits for it to exit. */
export async function stopHolder(holder: Holder | undefined): Promise<void> {
  if (holder !== undefined && holder.child.exitCode === null) {
    holder.child.kill();
    await holder.exited;
  }
}
