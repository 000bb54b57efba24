import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { createCheckpointChain, createTestCheckpoint, uniqueId } from "@lg/store-testkit";
import type { Checkpoint, CheckpointStore } from "@lg/core";
import { runCli, type CliIo } from "../src/index.js";

/** The built binary: the tests run exactly what `lg-checkpoints` runs. */
export const BIN = join(__dirname, "..", "dist", "bin.js");

/** Fails early with a clear message when dist/ is missing or older than the sources. */
export function assertBuilt(): void {
  if (!existsSync(BIN)) throw new Error("packages/cli/dist/bin.js is missing: run `pnpm --filter @lg/cli build` first");
  const newestSource = Math.max(...listFiles(join(__dirname, "..", "src")).map((f) => statSync(f).mtimeMs));
  if (statSync(BIN).mtimeMs < newestSource) {
    throw new Error("packages/cli/dist is older than src/: run `pnpm --filter @lg/cli build` first");
  }
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** What a run of the binary printed and returned. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/bin.js …args` with `input` on stdin (or an empty stdin), colour off unless `env` says otherwise. */
export function runBin(
  args: readonly string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.on("error", () => undefined); // a command that does not read stdin may exit before it is written
    child.stdin.end(options.input ?? "");
  });
}

/** Runs the CLI in this process (for `memory:` stores, which live only in one process). */
export async function runInProcess(args: readonly string[], input = ""): Promise<RunResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const io: CliIo = { stdout, stderr, stdin: Readable.from([input]), env: { NO_COLOR: "1" } };
  const code = await runCli(args, io);
  await new Promise((r) => setImmediate(r));
  return { code, stdout: out, stderr: err };
}

/** A temporary directory removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "lg-cli-test-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A state that holds every type the serializer keeps. */
export function richState(version: number): Record<string, unknown> {
  return {
    counter: version,
    when: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)),
    tags: new Set(["a", `v${version}`]),
    scores: new Map<string, number>([["x", version]]),
    big: 12345678901234567890n + BigInt(version),
    bytes: new Uint8Array([0, 255, version]),
    nested: { missing: undefined, negZero: -0, nan: NaN, list: [1, "two", null] },
  };
}

/**
 * Seeds an execution: a chain of `count` checkpoints with rich states, plus (with `fork`) a fork from version 2;
 * the last checkpoint carries task results (a pending pause) unless `tasks: false`. Returns the saved checkpoints.
 */
export async function seedExecution(
  store: CheckpointStore,
  count: number,
  options: { fork?: boolean; executionId?: string; tasks?: boolean } = {},
): Promise<Checkpoint[]> {
  const executionId = options.executionId ?? uniqueId("exec");
  const chain = createCheckpointChain(executionId, count, richState);
  const last = chain[chain.length - 1] as Checkpoint;
  if (options.tasks !== false) {
    last.tasks = {
      nodes: { review: { writes: { approved: false } } },
      interrupts: [{ node: "review", when: "inside", value: "ok?" }],
    };
  }
  for (const cp of chain) await store.save(cp);
  if (options.fork === true && count >= 2) {
    const fork = createTestCheckpoint({
      executionId,
      version: count + 1,
      parentId: (chain[1] as Checkpoint).id,
      nodeName: "__update__",
      metadata: { source: "fork", step: 2 },
      state: { ...richState(2), counter: 99 },
    });
    await store.save(fork);
    chain.push(fork);
  }
  return chain;
}

/** Non-empty lines of a text. */
export function linesOf(text: string): string[] {
  return text.split("\n").filter((line) => line.length > 0);
}
