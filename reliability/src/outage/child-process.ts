import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import type { ChildSpec } from "./child-run.js";

const CHILD_SCRIPT = join(__dirname, "child-run.ts");
// Maps the workspace packages to their sources for tsx, as jest's moduleNameMapper does for the tests.
const CHILD_TSCONFIG = join(__dirname, "child-tsconfig.json");
const TSX_LOADER = pathToFileURL(require.resolve("tsx")).href;
/** How long a child may live in all before it is killed and reported as one that did not exit. */
const HARD_LIMIT_MS = 60_000;

// Children still running: a test that times out or throws before its child ended must not leave it connected to
// servers that the file's afterAll is tearing down, so whatever is left is killed when the test process exits.
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** One JSON line the child printed. */
export interface ChildEvent {
  /** `fault-point`, `error` or `done`. */
  event: string;
  /** With `error`: the `@lg` codes along the cause chain. */
  codes?: string[];
  /** With `error`: the error's text. */
  message?: string;
  /** With `error`: milliseconds from the fault to the error, measured in the child. */
  ms?: number;
}

/** How a child run ended. */
export interface ChildReport {
  /** Everything it printed, in order. */
  events: ChildEvent[];
  /** Milliseconds from its last event (the error) to its exit; `undefined` when it had to be killed. */
  exitAfterMs: number | undefined;
  /** Its exit code (`null` when killed). */
  exitCode: number | null;
  /** What it wrote to stderr. */
  stderr: string;
}

/** What the parent does at the child's events. */
export interface ChildHooks {
  /** At the child's fault point, before it is told to go on. */
  fault?: () => Promise<void>;
  /** When the child reported its error (not awaited: the exit is timed from the error on). */
  afterError?: () => Promise<void>;
}

/**
 * Runs child-run.ts through tsx with `spec`; at its `fault-point` awaits `hooks.fault()` and answers it. Resolves when the
 * child exits by itself, or after {@link HARD_LIMIT_MS} with the child killed (`exitAfterMs` undefined).
 */
export function runChild(spec: ChildSpec, hooks: ChildHooks = {}): Promise<ChildReport> {
  const fault = hooks.fault ?? (async () => undefined);
  const child = spawn(process.execPath, ["--import", TSX_LOADER, CHILD_SCRIPT, JSON.stringify(spec)], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, TSX_TSCONFIG_PATH: CHILD_TSCONFIG },
  });
  live.add(child);
  child.once("close", () => live.delete(child));
  if (!spec.faultPoint) child.stdin.end();
  const events: ChildEvent[] = [];
  let lastEventAt = performance.now();
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on("line", (line) => {
    lastEventAt = performance.now();
    const event = JSON.parse(line) as ChildEvent;
    events.push(event);
    if (event.event === "error" && hooks.afterError !== undefined) {
      hooks.afterError().catch((error: unknown) => (stderr += `after the error: ${String(error)}\n`));
    }
    if (event.event === "fault-point") {
      fault()
        .catch((error: unknown) => (stderr += `the fault failed: ${String(error)}\n`))
        .finally(() => child.stdin.end("go\n"));
    }
  });
  return new Promise((resolve) => {
    let killed = false;
    const limit = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, HARD_LIMIT_MS);
    // "close", not "exit": it comes after the child's output was read to the end.
    child.once("close", (code) => {
      clearTimeout(limit);
      resolve({ events, exitAfterMs: killed ? undefined : performance.now() - lastEventAt, exitCode: code, stderr });
    });
  });
}
