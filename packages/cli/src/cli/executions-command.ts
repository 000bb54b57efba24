import type { Command } from "commander";
import type { CheckpointStore, ExecutionRecord, ExecutionStatus, ExecutionSummary } from "@lg/core";
import { listExecutionsNewestFirst } from "../executions.js";
import { listRecordsNewestFirst, readRegistry, recordsOf, withRegistry } from "../registry.js";
import { statusList, positiveInteger } from "./arguments.js";
import { storeUrlOf, withStore, type CommandContext } from "./context.js";
import { formatTime, renderTable, writeLine } from "./output.js";

/**
 * `lg-checkpoints executions`: the store's executions newest first, with their registry record beside each when the
 * store keeps a registry; `--status` lists the registry's records of some statuses instead.
 *
 * @packageDocumentation
 */

type ExecutionsOptions = { limit: number; page: number; json?: boolean; status?: ExecutionStatus[] };

/** A page of rows as printed, whichever source they came from. */
interface PrintedPage {
  head: string[];
  rows: string[][];
  json: Array<Record<string, unknown>>;
  offset: number;
  total: number;
  /** Words after "executions" in the summary line (the filter). */
  of: string;
}

const REGISTRY_HEAD = ["status", "graph@version", "attempts", "owner"];

function registryCells(record: ExecutionRecord | undefined): string[] {
  if (record === undefined) return ["-", "-", "-", "-"];
  return [record.status, `${record.graphName}@${record.graphVersion}`, String(record.attempts), record.owner ?? "-"];
}

/** The record's fields for `--json`, `null` where the execution has no record or the field is unset. */
function registryJson(record: ExecutionRecord | undefined): Record<string, unknown> {
  return {
    status: record?.status ?? null,
    graphName: record?.graphName ?? null,
    graphVersion: record?.graphVersion ?? null,
    attempts: record?.attempts ?? null,
    owner: record?.owner ?? null,
  };
}

/** The executions that have checkpoints, with their registry columns when the store keeps a registry. */
async function executionsPage(store: CheckpointStore, limit: number, offset: number): Promise<PrintedPage> {
  const list = await listExecutionsNewestFirst(store, { limit, offset });
  const records = await readRegistry(store, (registry) =>
    recordsOf(
      registry,
      list.executions.map((e) => e.executionId),
    ),
  );
  const cells = (e: ExecutionSummary): string[] => [e.executionId, String(e.latestVersion), formatTime(e.updatedAt)];
  const json = (e: ExecutionSummary): Record<string, unknown> => ({ ...e, updatedAt: formatTime(e.updatedAt) });
  const head = ["execution", "latest version", "updated"];
  return {
    head: records === undefined ? head : [...head, ...REGISTRY_HEAD],
    rows: list.executions.map((e) =>
      records === undefined ? cells(e) : [...cells(e), ...registryCells(records.get(e.executionId))],
    ),
    json: list.executions.map((e) =>
      records === undefined ? json(e) : { ...json(e), ...registryJson(records.get(e.executionId)) },
    ),
    offset: list.offset,
    total: list.total,
    of: "",
  };
}

/** The registry's records of `statuses`, whether or not they have checkpoints yet (a queued one has none). */
async function recordsPage(
  store: CheckpointStore,
  display: string,
  statuses: readonly ExecutionStatus[],
  limit: number,
  offset: number,
): Promise<PrintedPage> {
  const list = await withRegistry(store, display, "executions --status", (registry) =>
    listRecordsNewestFirst(registry, { statuses, limit, offset }),
  );
  return {
    head: ["execution", ...REGISTRY_HEAD, "updated"],
    rows: list.records.map((r) => [r.executionId, ...registryCells(r), formatTime(r.updatedAt)]),
    json: list.records.map((r) => ({
      executionId: r.executionId,
      ...registryJson(r),
      error: r.error ?? null,
      createdAt: formatTime(r.createdAt),
      updatedAt: formatTime(r.updatedAt),
    })),
    offset: list.offset,
    total: list.total,
    of: ` with status ${statuses.join(" or ")}`,
  };
}

/** Registers the `executions` command. */
export function registerExecutionsCommand(program: Command, ctx: CommandContext): void {
  program
    .command("executions")
    .description("list executions, most recently updated first (with their registry status where the store has one)")
    .option("-n, --limit <n>", "rows per page", positiveInteger, 20)
    .option("-p, --page <n>", "page number", positiveInteger, 1)
    .option(
      "--status <list>",
      "only the registry's executions with these statuses (comma-separated: queued, running, paused, done, failed, cancelled)",
      statusList,
    )
    .option("--json", "print JSON Lines (executionId, latestVersion, updatedAt, and the registry's fields)")
    .action(async (opts: ExecutionsOptions, command: Command) => {
      const url = storeUrlOf(ctx, command.optsWithGlobals<{ store?: string }>().store);
      const offset = (opts.page - 1) * opts.limit;
      const page = await withStore(url, {}, (store, target) =>
        opts.status === undefined
          ? executionsPage(store, opts.limit, offset)
          : recordsPage(store, target.display, opts.status, opts.limit, offset),
      );
      if (opts.json === true) {
        for (const row of page.json) writeLine(ctx.io.stdout, JSON.stringify(row));
        return;
      }
      writeLine(ctx.io.stdout, renderTable(ctx.out, page.head, page.rows));
      const first = page.rows.length === 0 ? 0 : page.offset + 1;
      const last = page.offset + page.rows.length;
      const more = last < page.total ? `; next: --page ${opts.page + 1}` : "";
      writeLine(ctx.io.stderr, ctx.err.dim(`${first}–${last} of ${page.total} executions${page.of}${more}`));
    });
}
