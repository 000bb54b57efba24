import type { Command } from "commander";
import { EXECUTION_STATUSES, encodeValue, type Checkpoint, type ExecutionStatus, type StoreStats } from "@lg/core";
import { encodeCheckpoint } from "@lg/core/store";
import { diffStates, type StateChange } from "../diff.js";
import { readHistory, type History } from "../history.js";
import { readRegistry } from "../registry.js";
import { loadCheckpoint } from "../walk.js";
import { storeUrlOf, withStore, type CommandContext } from "./context.js";
import { positiveInteger } from "./arguments.js";
import { formatBlock, formatBytes, formatTime, formatValue, renderTable, writeLine } from "./output.js";

/**
 * The read-only commands: `history`, `show`, `diff`, `stats`, `ping` (`executions` has a file of its own). Each action calls one library
 * function and renders its result.
 *
 * @packageDocumentation
 */

type GlobalOptions = { store?: string };

function globals(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

function renderLanes(history: History, branch: number, version: number): string {
  if (history.branches === 1) return "*";
  return history.spans
    .map((span, lane) => (lane === branch ? "*" : span.first <= version && version <= span.last ? "|" : " "))
    .join(" ");
}

function printHistory(ctx: CommandContext, history: History): void {
  const { out } = ctx;
  const rows = history.entries.map((e) => [
    renderLanes(history, e.branch, e.version),
    String(e.version),
    e.id,
    e.nodeName,
    formatTime(e.timestamp),
    formatBytes(e.size),
    e.next.length === 0 ? out.dim("(end)") : e.next.join(","),
    e.parentId === undefined
      ? ""
      : `${e.parentVersion === undefined ? e.parentId : `v${e.parentVersion}`}${e.forkStart ? out.yellow(" (fork)") : ""}`,
  ]);
  writeLine(ctx.io.stdout, renderTable(out, ["", "version", "id", "node", "time", "size", "next", "parent"], rows));
}

/** Prints a checkpoint; `status` is its execution's registry status now (not at the checkpoint), when it has one. */
function printCheckpoint(ctx: CommandContext, cp: Checkpoint, status: ExecutionStatus | undefined): void {
  const { out, outColor } = ctx;
  const field = (name: string, value: string): void =>
    writeLine(ctx.io.stdout, `${out.bold(`${name}:`.padEnd(11))}${value}`);
  field("id", cp.id);
  field("execution", status === undefined ? cp.executionId : `${cp.executionId} ${out.dim(`(registry: ${status})`)}`);
  field("version", String(cp.version));
  field("node", cp.nodeName);
  field("time", formatTime(cp.timestamp));
  field("parent", cp.parentId ?? out.dim("(none)"));
  field("next", cp.next.length === 0 ? out.dim("(end)") : cp.next.join(", "));
  field("metadata", formatValue(cp.metadata, outColor));
  if (cp.tasks !== undefined) field("tasks", formatValue(cp.tasks, outColor));
  writeLine(ctx.io.stdout, out.bold("state:"));
  writeLine(ctx.io.stdout, formatBlock(cp.state, outColor));
}

function printChanges(ctx: CommandContext, changes: readonly StateChange[]): void {
  const { out, outColor } = ctx;
  if (changes.length === 0) writeLine(ctx.io.stdout, out.dim("no differences in state"));
  for (const c of changes) {
    if (c.kind === "added") writeLine(ctx.io.stdout, out.green(`+ ${c.path}: ${formatValue(c.after, outColor)}`));
    else if (c.kind === "removed") writeLine(ctx.io.stdout, out.red(`- ${c.path}: ${formatValue(c.before, outColor)}`));
    else
      writeLine(
        ctx.io.stdout,
        out.yellow(`~ ${c.path}: ${formatValue(c.before, outColor)} → ${formatValue(c.after, outColor)}`),
      );
  }
}

/** A change with its values in the serializer's lossless JSON form, for `diff --json`. */
function changeAsJson(c: StateChange): Record<string, unknown> {
  const json: Record<string, unknown> = { kind: c.kind, path: c.path };
  if (c.kind !== "added") json.before = encodeValue(c.before, "before");
  if (c.kind !== "removed") json.after = encodeValue(c.after, "after");
  return json;
}

function printStats(
  ctx: CommandContext,
  display: string,
  stats: StoreStats,
  counts: Record<ExecutionStatus, number> | undefined,
): void {
  const rows = [
    ["store", display],
    ["checkpoints", String(stats.checkpoints)],
    ["executions", String(stats.executions)],
  ];
  if (stats.bytes !== undefined) rows.push(["bytes", `${stats.bytes} (${formatBytes(stats.bytes)})`]);
  // The registry's counts on one row, in lifecycle order.
  if (counts !== undefined)
    rows.push(["registry", EXECUTION_STATUSES.map((status) => `${status} ${counts[status]}`).join(", ")]);
  writeLine(ctx.io.stdout, renderTable(ctx.out, ["", ""], rows).split("\n").slice(1).join("\n"));
}

/** Registers the read-only commands on `program`. */
export function registerInspectCommands(program: Command, ctx: CommandContext): void {
  program
    .command("history")
    .description("an execution's checkpoints, newest first; forks are drawn as branches")
    .argument("<executionId>", "the execution")
    .option("-n, --limit <n>", "newest rows to show", positiveInteger, 50)
    .option("--before <version>", "only versions below this one (next page)", positiveInteger)
    .action(async (executionId: string, opts: { limit: number; before?: number }, command: Command) => {
      const url = storeUrlOf(ctx, globals(command).store);
      const { history, record } = await withStore(url, {}, async (store) => ({
        history: await readHistory(store, executionId, {
          limit: opts.limit,
          ...(opts.before === undefined ? {} : { beforeVersion: opts.before }),
        }),
        record: await readRegistry(store, (registry) => registry.get(executionId)),
      }));
      printHistory(ctx, history);
      const oldest = history.entries[history.entries.length - 1];
      const more =
        oldest !== undefined && oldest.version > 1 && history.entries.length === opts.limit
          ? `; older: --before ${oldest.version}`
          : "";
      writeLine(
        ctx.io.stderr,
        ctx.err.dim(
          `${history.entries.length} of ${history.total} checkpoints, ${history.branches} branch(es)` +
            `${record === undefined ? "" : `; registry: ${record.status}`}${more}`,
        ),
      );
    });

  program
    .command("show")
    .description("one checkpoint: its fields and its state, pretty-printed")
    .argument("<checkpointId>", "the checkpoint")
    .option("--json", "print the checkpoint in the serializer's lossless JSON form")
    .action(async (checkpointId: string, opts: { json?: boolean }, command: Command) => {
      const url = storeUrlOf(ctx, globals(command).store);
      const { cp, record } = await withStore(url, {}, async (store) => {
        const loaded = await loadCheckpoint(store, checkpointId);
        // Only the pretty form names the status: --json stays the checkpoint's lossless form, nothing added.
        const found = opts.json === true ? undefined : await readRegistry(store, (r) => r.get(loaded.executionId));
        return { cp: loaded, record: found };
      });
      if (opts.json === true) writeLine(ctx.io.stdout, JSON.stringify(encodeCheckpoint(cp), null, 2));
      else printCheckpoint(ctx, cp, record?.status);
    });

  program
    .command("diff")
    .description("structural diff of two checkpoints' states: added (+), removed (-) and changed (~) paths")
    .argument("<idA>", "the checkpoint before")
    .argument("<idB>", "the checkpoint after")
    .option("--json", "print one JSON line per change, values in the serializer's lossless form")
    .action(async (idA: string, idB: string, opts: { json?: boolean }, command: Command) => {
      const url = storeUrlOf(ctx, globals(command).store);
      const [a, b] = await withStore(url, {}, (store) =>
        Promise.all([loadCheckpoint(store, idA), loadCheckpoint(store, idB)]),
      );
      const changes = diffStates(a.state, b.state);
      if (opts.json === true) for (const c of changes) writeLine(ctx.io.stdout, JSON.stringify(changeAsJson(c)));
      else printChanges(ctx, changes);
    });

  program
    .command("stats")
    .description(
      "counts of checkpoints and executions (and bytes where the store can tell), and of the registry's statuses",
    )
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }, command: Command) => {
      const url = storeUrlOf(ctx, globals(command).store);
      const { display, stats, counts } = await withStore(url, {}, async (store, target) => ({
        display: target.display,
        stats: await store.stats(),
        counts: await readRegistry(store, (registry) => registry.counts()),
      }));
      if (opts.json === true)
        writeLine(
          ctx.io.stdout,
          JSON.stringify({ store: display, ...stats, ...(counts === undefined ? {} : { registry: counts }) }),
        );
      else printStats(ctx, display, stats, counts);
    });

  program
    .command("ping")
    .description("check that the store answers")
    .action(async (_opts: unknown, command: Command) => {
      const url = storeUrlOf(ctx, globals(command).store);
      const { display, ms } = await withStore(url, {}, async (store, target) => {
        const started = performance.now();
        await store.ping();
        return { display: target.display, ms: performance.now() - started };
      });
      writeLine(
        ctx.io.stdout,
        `${ctx.out.green("ok")} ${display} answered in ${ms < 1 ? ms.toFixed(2) : Math.round(ms)} ms`,
      );
    });
}
