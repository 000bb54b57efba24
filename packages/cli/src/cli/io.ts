import type { Readable, Writable } from "node:stream";

/**
 * Where a CLI run reads and writes: the process's streams for the binary, others for in-process runs (tests, the
 * future inspector).
 *
 * @packageDocumentation
 */

/** A writable stream that may be a terminal. */
export type OutputStream = Writable & { isTTY?: boolean; columns?: number };

/** The streams and environment of one CLI run. */
export interface CliIo {
  /** Command output (tables, backups). */
  stdout: OutputStream;
  /** Errors, progress bars and summaries. */
  stderr: OutputStream;
  /** Backup input of `import`. */
  stdin: Readable & { fd?: number };
  /** Environment variables (`LG_STORE_URL`, `NO_COLOR`, `FORCE_COLOR`, `TERM`). */
  env: Readonly<Record<string, string | undefined>>;
  /** Ends a command that runs until stopped (`ui`) when an in-process run aborts it; the binary uses SIGINT/SIGTERM. */
  stop?: AbortSignal;
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}
