import { fork, type ChildProcess } from "node:child_process";
import { pathToFileURL } from "node:url";

const TSX_LOADER = pathToFileURL(require.resolve("tsx")).href;

/** A Node process running a TypeScript fixture through tsx, driven over IPC: one reply per command. */
export interface Child<Command, Reply> {
  child: ChildProcess;
  /** Sends `command` and resolves with the reply (rejects when the process exits first). */
  send(command: Command): Promise<Reply>;
  /** Sends `exit` (when still running) and waits for the process to end. */
  stop(exit: Command): Promise<void>;
}

/** Forks `script` (a .ts file) through tsx with an IPC channel. */
export function startChild<Command, Reply>(script: string): Child<Command, Reply> {
  const child = fork(script, [], {
    execArgv: ["--import", TSX_LOADER],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return {
    child,
    send: (command) =>
      new Promise((resolve, reject) => {
        const onExit = (code: number | null): void => reject(new Error(`child exited with code ${code}`));
        child.once("exit", onExit);
        child.once("message", (reply: Reply) => {
          child.off("exit", onExit); // one listener per command would pile up over the many rounds
          resolve(reply);
        });
        child.send(command as object);
      }),
    stop: (exit) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.send(exit as object);
      }),
  };
}
