import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { EXIT_CODES, openStore } from "../src/index.js";
import { assertBuilt, linesOf, runBin, runInProcess, seedExecution, tempDir, type RunResult } from "./helpers.js";
import { checkBadStatus, checkRegistryCommands } from "./registry-checks.js";

// A memory store lives inside one process, so these tests run the CLI in-process: `memory:<name>` names the same
// store for every command of this process.
describe("lg-checkpoints on memory: (in-process)", () => {
  it("serves every command on a named memory store", async () => {
    const url = "memory:commands";
    const { store } = await openStore(url);
    const chain = await seedExecution(store, 4, { fork: true });
    const executionId = chain[0]?.executionId as string;

    const executions = await runInProcess(["executions", "-s", url]);
    expect(linesOf(executions.stdout)[1]).toMatch(new RegExp(`^${executionId}\\s+5\\s+`));
    const history = await runInProcess(["history", executionId, "-s", url]);
    expect(linesOf(history.stdout)[1]).toMatch(/^\s+\*\s+5\s+.*v2 \(fork\)$/);
    const shown = await runInProcess(["show", chain[3]?.id as string, "-s", url]);
    expect(shown.stdout).toMatch(/tasks: .*interrupts: \[ \{ node: 'review', when: 'inside', value: 'ok\?' \} \]/);
    const diff = await runInProcess(["diff", chain[1]?.id as string, chain[4]?.id as string, "-s", url]);
    expect(diff.stdout).toBe("~ counter: 2 → 99\n");
    const stats = await runInProcess(["stats", "--json", "-s", url]);
    expect(JSON.parse(stats.stdout)).toMatchObject({ checkpoints: 5, executions: 1 });
    expect((await runInProcess(["ping", "-s", url])).code).toBe(0);

    const exported = await runInProcess(["export", "-s", url]);
    expect(linesOf(exported.stdout)).toHaveLength(5);
    // Another thread would open another, empty memory store: --jobs is not used here.
    const jobs = await runInProcess(["export", "--jobs", "4", "-s", url]);
    expect([jobs.stdout, jobs.stderr]).toEqual([exported.stdout, expect.not.stringContaining("threads")]);
    const imported = await runInProcess(["import", "-s", "memory:restored"], exported.stdout);
    expect(imported.code).toBe(0);
    const again = await runInProcess(["export", "-s", "memory:restored"]);
    expect(again.stdout).toBe(exported.stdout);

    const pruned = await runInProcess(["prune", executionId, "--keep-last", "1", "-s", url]);
    // The newest (the fork) stays, and so does version 4: it records a pause nothing has continued from.
    expect(pruned.stdout).toBe(`${executionId}: deleted 3 of 5 checkpoints\n`);
    expect((await store.list(executionId)).map((cp) => cp.version)).toEqual([4, 5]);
  });

  it("is a copy target and source (SQLite → memory → SQLite)", async () => {
    const files = tempDir();
    const source = new SqliteCheckpointStore({ path: `${files.dir}/a.db` });
    try {
      await seedExecution(source, 3);
      await seedExecution(source, 2);
      const into = await runInProcess(["copy", "--from", `sqlite:${files.dir}/a.db`, "--to", "memory:copy"]);
      expect([into.code, into.stderr]).toEqual([0, expect.stringMatching(/^copied 5 checkpoints of 2 executions/)]);
      const out = await runInProcess(["copy", "--from", "memory:copy", "--to", `sqlite:${files.dir}/b.db`]);
      expect(out.code).toBe(0);
      const a = await runInProcess(["export", "-s", `sqlite:${files.dir}/a.db`]);
      const b = await runInProcess(["export", "-s", `sqlite:${files.dir}/b.db`]);
      expect(b.stdout).toBe(a.stdout);
    } finally {
      await source.close();
      files.remove();
    }
  });

  it("reports a conflicting checkpoint on import with the line and exit code 8", async () => {
    const { store } = await openStore("memory:conflict-source");
    const chain = await seedExecution(store, 2);
    const exported = await runInProcess(["export", "-s", "memory:conflict-source"]);
    const { store: target } = await openStore("memory:conflict-target");
    await target.save({ ...(chain[1] as (typeof chain)[number]), id: "another-id" });
    const result = await runInProcess(["import", "-s", "memory:conflict-target"], exported.stdout);
    expect(result.code).toBe(EXIT_CODES.conflict);
    expect(result.stderr).toContain(
      `backup line 2: the target already holds another checkpoint at version 2 of execution "${chain[0]?.executionId}"`,
    );
  });
});

// The registry's commands, in-process on a named memory store (a worker of this process runs the executions), and
// through the binary, whose `memory:` store starts empty.
describe("lg-checkpoints registry commands on memory:", () => {
  beforeAll(assertBuilt);

  it("lists by status, counts and cancels in-process", async () => {
    const url = "memory:registry";
    const { store } = await openStore(url);
    const run = (args: readonly string[]): Promise<RunResult> => runInProcess(args);
    await checkBadStatus(run, url);
    await checkRegistryCommands(run, url, store);
  }, 120_000);

  it("finds no rows in a new process's empty memory store", async () => {
    const listed = await runBin(["executions", "--status", "queued,running", "-s", "memory:"]);
    expect([listed.code, linesOf(listed.stdout)]).toEqual([0, [expect.stringMatching(/^execution\s+status/)]]);
    expect(listed.stderr).toContain("0–0 of 0 executions with status queued or running");
    const stats = await runBin(["stats", "--json", "-s", "memory:"]);
    expect(JSON.parse(stats.stdout)).toMatchObject({ registry: { queued: 0, done: 0 } });
    const missing = await runBin(["cancel", "order-1", "-s", "memory:"]);
    expect(missing.code).toBe(EXIT_CODES.notFound);
  });
});
