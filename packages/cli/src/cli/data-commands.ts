import { closeSync, createWriteStream, fstatSync, openSync, statSync, type WriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import type { Command } from "commander";
import type { CheckpointStore } from "@lg/core";
import { copyCheckpoints } from "../copy.js";
import { exportCheckpoints } from "../export.js";
import { fileChunks } from "../file-chunks.js";
import { checkBackup, importCheckpoints, type ImportProgress } from "../import.js";
import { pruneAll, pruneExecution, type PruneResult, type PruneRules } from "../prune.js";
import { storeUrlOf, withStore, type CommandContext } from "./context.js";
import { duration, jobCount, MAX_JOBS, positiveInteger } from "./arguments.js";
import type { OutputStream } from "./io.js";
import { formatBytes, writeLine } from "./output.js";
import { startProgress } from "./progress.js";
import { UsageError } from "../errors.js";
import { openStore } from "../open-store.js";
import { parseStoreUrl, type StoreTarget } from "../store-url.js";
import { DEFAULT_MAX_JOBS, threadJobs } from "../threads/jobs.js";
import { withWarmThreads } from "../threads/warm-threads.js";

/**
 * The commands that move or delete data: `export`, `import`, `copy`, `prune`. Output data goes to stdout, progress
 * bars and summaries to stderr.
 *
 * @packageDocumentation
 */

type GlobalOptions = { store?: string };

/** Bytes an output file may have queued before `export` waits: a few of its 256 kB chunks. */
const OUTPUT_BUFFER_BYTES = 1024 * 1024;

/** The help of `--jobs`, on `export` and `import`. */
const JOBS_HELP = `threads reading or writing at once, each with its own connection (default: the cores, up to ${DEFAULT_MAX_JOBS}; at most ${MAX_JOBS}; 1 for memory:)`;

/** Bytes `import` reads from a file at a time (into one buffer, see `fileChunks`): fewer reads, fewer lines cut. */
const INPUT_CHUNK_BYTES = 256 * 1024;

/** ` by 2 threads` when a command ran in worker threads, else nothing. */
function byThreads(totals: { threads: number }): string {
  return totals.threads > 1 ? ` by ${totals.threads} threads` : "";
}

function seconds(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}

/** Size of the backup when it is a regular file (for a progress bar in bytes); `undefined` for a pipe. */
function inputSize(input: { fd?: number; path?: unknown }): number | undefined {
  try {
    const stat =
      typeof input.path === "string" ? statSync(input.path) : input.fd === undefined ? undefined : fstatSync(input.fd);
    return stat?.isFile() === true ? stat.size : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The number of checkpoints a bar counts up to: only asked of the store when a bar is drawn (stderr is a terminal)
 * and the whole store is read, since counting costs a scan of the index (0.2 s per 100,000 checkpoints on SQLite).
 */
async function progressTotal(
  ctx: CommandContext,
  store: CheckpointStore,
  execution: string | undefined,
): Promise<number | undefined> {
  return execution === undefined && ctx.io.stderr.isTTY === true ? (await store.stats()).checkpoints : undefined;
}

/**
 * Runs `action` (a command's work) with the threads it will use started while the main thread opens its store (see
 * warm-threads.ts), when `uses` says the command will use threads on that store; a URL that does not parse starts
 * none (opening it reports it).
 */
function warmedFor<T>(
  url: string | undefined,
  jobs: number | undefined,
  uses: (target: StoreTarget) => boolean,
  action: () => Promise<T>,
): Promise<T> {
  let target: StoreTarget;
  try {
    target = parseStoreUrl(url);
  } catch {
    return action();
  }
  const count = threadJobs(target, jobs);
  return count >= 2 && uses(target) ? withWarmThreads(count, target.kind, action) : action();
}

/**
 * The file `export --output` writes, opened at once: a path that cannot be written fails the command with one line
 * before the store is opened (the stream's own opening would fail later, as an event nothing listens to). A buffer of
 * a few chunks lets the next lines be built while the last are written.
 */
function outputFile(path: string): WriteStream {
  const fd = openSync(path, "w");
  const stream = createWriteStream(path, { fd, highWaterMark: OUTPUT_BUFFER_BYTES });
  // A failed write (a full disk) is reported by the export's next wait for the stream, or by the wait for it to
  // finish; an `error` event nothing listens to would end the process instead.
  stream.on("error", () => undefined);
  return stream;
}

async function runExport(
  ctx: CommandContext,
  url: string | undefined,
  opts: { execution?: string; output?: string; jobs?: number },
): Promise<void> {
  const out: OutputStream = opts.output === undefined ? ctx.io.stdout : outputFile(opts.output);
  const started = performance.now();
  // A whole-store export reads in threads; one execution's is read by the main thread.
  const wholeStore = (): boolean => opts.execution === undefined;
  const totals = await warmedFor(url, opts.jobs, wholeStore, () =>
    withStore(url, {}, async (store, target) => {
      const bar = startProgress(ctx.io.stderr, "checkpoints", await progressTotal(ctx, store, opts.execution));
      try {
        return await exportCheckpoints(store, out, {
          ...(opts.execution === undefined ? {} : { executionId: opts.execution }),
          threads: { storeUrl: url ?? "", jobs: threadJobs(target, opts.jobs) },
          onProgress: (p) => bar.update(p.checkpoints),
        });
      } finally {
        bar.stop();
      }
    }),
  );
  if (opts.output !== undefined) {
    out.end();
    await finished(out);
  }
  writeLine(
    ctx.io.stderr,
    `exported ${totals.checkpoints} checkpoints (${formatBytes(totals.bytes)}) in ${seconds(started)}${byThreads(totals)}`,
  );
}

async function runImport(
  ctx: CommandContext,
  url: string | undefined,
  opts: { input?: string; check?: boolean; concurrency: number; jobs?: number },
): Promise<void> {
  // A backup file that cannot be read fails the command before the store is opened (or a SQLite file created).
  if (opts.input !== undefined) closeSync(openSync(opts.input, "r"));
  const input = opts.input === undefined ? ctx.io.stdin : fileChunks(opts.input, INPUT_CHUNK_BYTES);
  const started = performance.now();
  const restore = async (store: CheckpointStore | undefined, target?: StoreTarget): Promise<ImportProgress> => {
    // Measured only once the store (and its native driver) is loaded: on Node 20 an fstat of a piped stdin made a
    // later lazy require() inside better-sqlite3 fail to resolve.
    const size = inputSize(opts.input === undefined ? ctx.io.stdin : { path: opts.input });
    const bar = startProgress(ctx.io.stderr, size === undefined ? "lines" : "bytes", size);
    const onProgress = (p: ImportProgress): void => bar.update(size === undefined ? p.lines : p.bytes);
    try {
      return store === undefined
        ? await checkBackup(input, { onProgress })
        : await importCheckpoints(store, input, {
            concurrency: opts.concurrency,
            onProgress,
            ...(target === undefined ? {} : { threads: { storeUrl: url ?? "", jobs: threadJobs(target, opts.jobs) } }),
          });
    } finally {
      bar.stop();
    }
  };
  if (opts.check === true) {
    const totals = await restore(undefined);
    writeLine(
      ctx.io.stderr,
      `checked ${totals.checkpoints} checkpoints (${formatBytes(totals.bytes)}): every line is intact`,
    );
    return;
  }
  // Threads save through `saveSerialized` (see importCheckpoints), which of the stores only SQLite's has; into any
  // other store the main thread saves.
  const threaded = (target: StoreTarget): boolean => target.kind === "sqlite";
  const totals = await warmedFor(url, opts.jobs, threaded, () => withStore(url, { write: true }, restore));
  writeLine(
    ctx.io.stderr,
    `imported ${totals.checkpoints} checkpoints (${formatBytes(totals.bytes)}) in ${seconds(started)}${byThreads(totals)}; ` +
      "checkpoints already stored were left as they were",
  );
}

async function runCopy(
  ctx: CommandContext,
  opts: { from: string; to: string; execution?: string; concurrency: number },
): Promise<void> {
  const started = performance.now();
  const totals = await withStore(opts.from, {}, async (from) => {
    const { store: to } = await openStore(opts.to, { write: true });
    const bar = startProgress(ctx.io.stderr, "checkpoints", await progressTotal(ctx, from, opts.execution));
    try {
      return await copyCheckpoints(from, to, {
        concurrency: opts.concurrency,
        ...(opts.execution === undefined ? {} : { executionId: opts.execution }),
        onProgress: (p) => bar.update(p.checkpoints),
      });
    } finally {
      bar.stop();
      await to.close().catch(() => undefined);
    }
  });
  writeLine(
    ctx.io.stderr,
    `copied ${totals.checkpoints} checkpoints of ${totals.executions} executions in ${seconds(started)}; ` +
      `count check passed for ${totals.verified} executions`,
  );
}

function describePrune(r: PruneResult, dryRun: boolean): string {
  if (!dryRun) return `${r.executionId}: deleted ${r.deleted} of ${r.total} checkpoints`;
  const versions = r.versions ?? [];
  const listed = versions.length <= 10 ? versions.join(", ") : `${versions.slice(0, 10).join(", ")}, …`;
  return `${r.executionId}: would delete ${r.deleted} of ${r.total} checkpoints${versions.length > 0 ? ` (versions ${listed})` : ""}`;
}

async function runPrune(
  ctx: CommandContext,
  url: string | undefined,
  executionId: string | undefined,
  opts: { all?: boolean; keepLast?: number; olderThan?: number; dryRun?: boolean },
): Promise<void> {
  if ((executionId === undefined) === (opts.all !== true)) {
    throw new UsageError("prune needs an execution id or --all (not both)");
  }
  const rules: PruneRules = {};
  if (opts.keepLast !== undefined) rules.keepLast = opts.keepLast;
  if (opts.olderThan !== undefined) rules.olderThan = new Date(Date.now() - opts.olderThan);
  const dryRun = opts.dryRun === true;
  let deleted = 0;
  let executions = 0;
  await withStore(url, {}, async (store) => {
    const results =
      executionId === undefined
        ? pruneAll(store, rules, { dryRun })
        : [await pruneExecution(store, executionId, rules, { dryRun })];
    for await (const result of results) {
      writeLine(ctx.io.stdout, describePrune(result, dryRun));
      deleted += result.deleted;
      if (result.deleted > 0) executions++;
    }
  });
  writeLine(
    ctx.io.stderr,
    `${dryRun ? "dry run: would delete" : "deleted"} ${deleted} checkpoints of ${executions} executions`,
  );
}

/** Registers `export`, `import`, `copy` and `prune` on `program`. */
export function registerDataCommands(program: Command, ctx: CommandContext): void {
  const url = (command: Command): string | undefined => storeUrlOf(ctx, command.optsWithGlobals<GlobalOptions>().store);

  program
    .command("export")
    .description("write checkpoints as JSON Lines (one checkpoint per line, with a checksum) to stdout or a file")
    .option("-e, --execution <id>", "only this execution")
    .option("-o, --output <file>", "write to this file instead of stdout")
    .option("-j, --jobs <n>", JOBS_HELP, jobCount)
    .action((opts: { execution?: string; output?: string; jobs?: number }, command: Command) =>
      runExport(ctx, url(command), opts),
    );

  program
    .command("import")
    .description("restore a backup from stdin or a file; re-importing the same backup changes nothing")
    .option("-i, --input <file>", "read this file instead of stdin")
    .option("--check", "only verify every line (JSON, checksum, checkpoint); write nothing")
    .option("-c, --concurrency <n>", "saves in flight at once (stores without batch save)", positiveInteger, 16)
    .option("-j, --jobs <n>", JOBS_HELP, jobCount)
    .action((opts: { input?: string; check?: boolean; concurrency: number; jobs?: number }, command: Command) =>
      runImport(ctx, url(command), opts),
    );

  program
    .command("copy")
    .description("copy checkpoints between stores (e.g. SQLite to PostgreSQL), then check the counts; re-runnable")
    .requiredOption("--from <url>", "source store URL")
    .requiredOption("--to <url>", "target store URL (created or migrated when needed)")
    .option("-e, --execution <id>", "only this execution")
    .option("-c, --concurrency <n>", "saves in flight at once (stores without batch save)", positiveInteger, 16)
    .action((opts: { from: string; to: string; execution?: string; concurrency: number }) => runCopy(ctx, opts));

  program
    .command("prune")
    .description("delete old checkpoints of one execution, or of all with --all; never an execution's newest")
    .argument("[executionId]", "the execution (or --all)")
    .option("--all", "every execution")
    .option("--keep-last <n>", "keep the newest n checkpoints", positiveInteger)
    .option("--older-than <duration>", "delete only checkpoints older than this (30m, 12h, 7d, 2w)", duration)
    .option("--dry-run", "list what would be deleted; delete nothing")
    .action(
      (
        executionId: string | undefined,
        opts: { all?: boolean; keepLast?: number; olderThan?: number; dryRun?: boolean },
        command: Command,
      ) => runPrune(ctx, url(command), executionId, opts),
    );
}
