import { EXECUTION_STATUSES, type CheckpointStore } from "@lg/core";
import { EXIT_CODES } from "../src/index.js";
import { linesOf, type RunResult } from "./helpers.js";
import { seedRegistry } from "./registry-fixtures.js";

/**
 * The registry's commands, checked through a runner (the binary, or the CLI in-process for `memory:`) on a store
 * that keeps a registry.
 */

/** Runs `lg-checkpoints …args` somehow. */
export type Runner = (args: readonly string[]) => Promise<RunResult>;

/** First column of each table row (the header left out). */
function firstColumn(stdout: string): string[] {
  return linesOf(stdout)
    .slice(1)
    .map((row) => row.split(/\s+/)[0] as string);
}

/** `executions --status`, the registry columns, `stats` counts and `cancel`, after a worker ran executions. */
export async function checkRegistryCommands(run: Runner, url: string, store: CheckpointStore): Promise<void> {
  const ids = await seedRegistry(store);

  const done = await run(["executions", "--status", "done", "-s", url]);
  expect([done.code, firstColumn(done.stdout)]).toEqual([0, [ids.done]]);
  expect(linesOf(done.stdout)[0]).toMatch(/^execution\s+status\s+graph@version\s+attempts\s+owner\s+updated$/);
  expect(linesOf(done.stdout)[1]).toMatch(new RegExp(`^${ids.done}\\s+done\\s+orders@1\\s+1\\s+-\\s+\\d{4}-`));
  expect(done.stderr).toContain("1–1 of 1 executions with status done");
  const ended = await run(["executions", "--status", "paused,failed", "--json", "-s", url]);
  const rows = linesOf(ended.stdout).map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(rows.map((r) => [r.executionId, r.status]).sort()).toEqual(
    [
      [ids.failed, "failed"],
      [ids.paused, "paused"],
    ].sort(),
  );
  expect(rows.find((r) => r.status === "failed")?.error).toContain("the card was declined");
  const queued = await run(["executions", "--status", "queued", "-s", url]);
  expect(linesOf(queued.stdout)[1]).toMatch(new RegExp(`^${ids.queued}\\s+queued\\s+orders@2\\s+0\\s+-\\s+`));
  // Paging through the filter: one row a page, the second page holds the other one.
  const second = await run(["executions", "--status", "paused,failed", "-n", "1", "-p", "2", "-s", url]);
  expect(firstColumn(second.stdout)).toHaveLength(1);
  expect(second.stderr).toContain("2–2 of 2 executions with status paused or failed");

  // Without --status: executions with checkpoints (the queued one has none yet), with their registry columns.
  const all = await run(["executions", "-s", url]);
  expect(linesOf(all.stdout)[0]).toMatch(
    /^execution\s+latest version\s+updated\s+status\s+graph@version\s+attempts\s+owner$/,
  );
  expect(firstColumn(all.stdout).sort()).toEqual([ids.done, ids.failed, ids.paused].sort());
  expect(all.stdout).toMatch(new RegExp(`${ids.paused}\\s+\\d+\\s+\\S+\\s+paused\\s+orders@1\\s+1\\s+-`));
  const json = await run(["executions", "--json", "-s", url]);
  const doneRow = linesOf(json.stdout)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((r) => r.executionId === ids.done);
  expect(doneRow).toMatchObject({ status: "done", graphName: "orders", graphVersion: "1", attempts: 1, owner: null });

  const stats = await run(["stats", "--json", "-s", url]);
  expect((JSON.parse(stats.stdout) as { registry: unknown }).registry).toEqual({
    queued: 1,
    running: 0,
    paused: 1,
    done: 1,
    failed: 1,
    cancelled: 0,
  });
  const table = await run(["stats", "-s", url]);
  expect(table.stdout).toMatch(/^registry\s+queued 1, running 0, paused 1, done 1, failed 1, cancelled 0$/m);

  const history = await run(["history", ids.paused, "-s", url]);
  expect(history.stderr).toMatch(/checkpoints, 1 branch\(es\); registry: paused\n$/);
  const pause = await store.latest(ids.paused);
  const shown = await run(["show", pause?.id as string, "-s", url]);
  expect(shown.stdout).toContain(`execution: ${ids.paused} (registry: paused)\n`);

  const cancelled = await run(["cancel", ids.queued, "-s", url]);
  expect([cancelled.code, cancelled.stdout]).toEqual([0, `${ids.queued}: cancelled\n`]);
  expect((await store.registry?.get(ids.queued))?.status).toBe("cancelled");
  const paused = await run(["cancel", ids.paused, "--json", "-s", url]);
  expect(JSON.parse(paused.stdout)).toMatchObject({
    executionId: ids.paused,
    status: "cancelled",
    graphName: "orders",
  });
  const already = await run(["cancel", ids.done, "-s", url]);
  expect([already.code, already.stdout]).toEqual([0, `${ids.done}: done (it had already ended: left as it was)\n`]);
  expect((await store.registry?.get(ids.done))?.status).toBe("done");
  const counts = JSON.parse((await run(["stats", "--json", "-s", url])).stdout) as { registry: unknown };
  expect(counts.registry).toMatchObject({ queued: 0, paused: 0, cancelled: 2, done: 1 });

  const missing = await run(["cancel", "no-such-order", "-s", url]);
  expect([missing.code, missing.stderr]).toEqual([
    EXIT_CODES.notFound,
    `lg-checkpoints: execution not found: "no-such-order" has no record in this store's registry\n`,
  ]);
}

/** The registry status is checked before the store is opened: a bad name is a usage error listing the valid ones. */
export async function checkBadStatus(run: Runner, url: string): Promise<void> {
  const bad = await run(["executions", "--status", "done,finished", "-s", url]);
  expect(bad.code).toBe(EXIT_CODES.usage);
  expect(bad.stderr).toContain(`unknown status "finished" (valid: ${EXECUTION_STATUSES.join(", ")})`);
}
