import { type Checkpoint, type CheckpointStore } from "@lg/core";
import { encodeCheckpoint } from "@lg/core/store";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { EXIT_CODES } from "../src/index.js";
import { assertBuilt, linesOf, runBin, seedExecution, tempDir } from "./helpers.js";
import { checkBadStatus, checkRegistryCommands } from "./registry-checks.js";

/** A store under test: the URL the binary gets, and an in-process store on the same data for seeding and checks. */
export interface StoreUnderTest {
  url: string;
  store: CheckpointStore;
  cleanup(): Promise<void>;
}

/** Sorts by execution, then version, so checkpoints read back from two stores compare in one order. */
function byExecutionAndVersion(a: Checkpoint, b: Checkpoint): number {
  return a.executionId === b.executionId ? a.version - b.version : a.executionId < b.executionId ? -1 : 1;
}

async function readAll(store: CheckpointStore, executionIds: readonly string[]): Promise<Checkpoint[]> {
  const all: Checkpoint[] = [];
  for (const id of executionIds) all.push(...(await store.list(id)));
  return all.sort(byExecutionAndVersion);
}

/**
 * The commands every store must serve through the real binary. `open` gives each test a fresh, empty store;
 * the suite seeds it in-process and checks what the binary printed or changed.
 */
export function describeCliOnStore(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`lg-checkpoints on ${name}`, () => {
    let subject: StoreUnderTest;
    let files: ReturnType<typeof tempDir>;
    beforeAll(assertBuilt);
    beforeEach(async () => {
      subject = await open();
      files = tempDir();
    });
    afterEach(async () => {
      await subject.cleanup();
      files.remove();
    });

    it("lists executions newest first, a page at a time", async () => {
      const older = await seedExecution(subject.store, 2);
      const newer = await seedExecution(subject.store, 3);
      const all = await runBin(["executions", "--store", subject.url]);
      expect(all.code).toBe(0);
      const rows = linesOf(all.stdout).slice(1);
      expect(rows.map((r) => r.split(/\s+/)[0])).toEqual([newer[0]?.executionId, older[0]?.executionId]);
      expect(rows[0]).toContain("2025-01-01T12:00:03.123Z");
      const second = await runBin(["executions", "--limit", "1", "--page", "2"], {
        env: { LG_STORE_URL: subject.url },
      });
      expect(
        linesOf(second.stdout)
          .slice(1)
          .map((r) => r.split(/\s+/)[0]),
      ).toEqual([older[0]?.executionId]);
      expect(second.stderr).toContain("2–2 of 2 executions");
    });

    it("shows an execution's history with its fork as a branch, and exits 6 for an unknown execution", async () => {
      const chain = await seedExecution(subject.store, 3, { fork: true });
      const executionId = chain[0]?.executionId as string;
      const result = await runBin(["history", executionId, "-s", subject.url]);
      expect(result.code).toBe(0);
      const rows = linesOf(result.stdout);
      expect(rows[0]).toMatch(/version\s+id\s+node\s+time\s+size\s+next\s+parent/);
      expect(rows[1]).toMatch(/^\s+\*\s+4\s+.*__update__.*v2 \(fork\)$/);
      expect(rows[2]).toMatch(/^\*\s+\|\s+3\s+/);
      expect(result.stderr).toContain("4 of 4 checkpoints, 2 branch(es)");
      const missing = await runBin(["history", "no-such-execution", "-s", subject.url]);
      expect(missing.code).toBe(EXIT_CODES.notFound);
      expect(missing.stderr).toBe(
        'lg-checkpoints: execution not found: "no-such-execution" has no checkpoint in this store\n',
      );
    });

    it("shows a checkpoint pretty-printed or as lossless JSON, and diffs two states", async () => {
      const chain = await seedExecution(subject.store, 3, { fork: true });
      const [, second, third, fork] = chain as [Checkpoint, Checkpoint, Checkpoint, Checkpoint];
      const shown = await runBin(["show", third.id, "-s", subject.url]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain(`id:        ${third.id}`);
      expect(shown.stdout).toContain("tags: Set(2) { 'a', 'v3' }");
      expect(shown.stdout).toContain("big: 12345678901234567893n");
      // Task results are shown when the store keeps them (each store's conformance spec checks that it does).
      if ((await subject.store.load(third.id))?.tasks !== undefined) {
        expect(shown.stdout).toMatch(/tasks: .*interrupts: \[ \{ node: 'review', when: 'inside', value: 'ok\?' \} \]/);
      }
      const json = await runBin(["show", "--json", second.id, "-s", subject.url]);
      expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify(encodeCheckpoint(second))));
      const diff = await runBin(["diff", second.id, fork.id, "-s", subject.url]);
      expect(linesOf(diff.stdout)).toEqual(["~ counter: 2 → 99"]);
      const diff2 = await runBin(["diff", second.id, third.id, "--json", "-s", subject.url]);
      // Sorted: PostgreSQL's JSONB hands object keys back in its own order.
      const paths = linesOf(diff2.stdout).map((l) => (JSON.parse(l) as { path: string }).path);
      expect(paths.sort()).toEqual(["big", "bytes", "counter", 'scores<"x">', "tags"]);
    });

    it("lists executions by registry status, counts them and cancels one", async () => {
      await checkBadStatus(runBin, subject.url);
      await checkRegistryCommands(runBin, subject.url, subject.store);
    }, 120_000);

    it("prints stats and answers ping", async () => {
      await seedExecution(subject.store, 3);
      const stats = await runBin(["stats", "--json", "-s", subject.url]);
      expect(JSON.parse(stats.stdout)).toMatchObject({ checkpoints: 3, executions: 1 });
      const ping = await runBin(["ping", "-s", subject.url]);
      expect(ping.code).toBe(0);
      expect(ping.stdout).toMatch(/^ok .* answered in [\d.]+ ms\n$/);
    });

    it("exports losslessly and imports idempotently into a SQLite file and back", async () => {
      const a = await seedExecution(subject.store, 4, { fork: true });
      const b = await seedExecution(subject.store, 2);
      const ids = [a[0]?.executionId as string, b[0]?.executionId as string];
      const exported = await runBin(["export", "-s", subject.url]);
      expect(exported.code).toBe(0);
      expect(linesOf(exported.stdout)).toHaveLength(7);
      expect(exported.stderr).toMatch(/^exported 7 checkpoints/);

      const file = `sqlite:${files.dir}/restored.db`;
      for (let round = 0; round < 2; round++) {
        const imported = await runBin(["import", "-s", file], { input: exported.stdout });
        expect([imported.code, imported.stderr]).toEqual([0, expect.stringMatching(/^imported 7 checkpoints/)]);
      }
      const restored = new SqliteCheckpointStore({ path: `${files.dir}/restored.db` });
      try {
        expect(await readAll(restored, ids)).toEqual(await readAll(subject.store, ids));
        expect((await restored.stats()).checkpoints).toBe(7);
      } finally {
        await restored.close();
      }
      // And back into the store under test, after clearing it: the same checkpoints again.
      const before = await readAll(subject.store, ids);
      for (const id of ids) await subject.store.clear(id);
      const back = await runBin(["import", "-s", subject.url], { input: exported.stdout });
      expect(back.code).toBe(0);
      expect(await readAll(subject.store, ids)).toEqual(before);
      const one = await runBin(["export", "--execution", ids[1] as string, "-s", subject.url]);
      expect(linesOf(one.stdout)).toHaveLength(2);
    });

    it("writes the same backup with one thread or three, each thread on its own connection", async () => {
      for (let e = 0; e < 5; e++) await seedExecution(subject.store, e + 1, { fork: e === 3 });
      const one = await runBin(["export", "--jobs", "1", "-s", subject.url]);
      const three = await runBin(["export", "--jobs", "3", "-s", subject.url]);
      expect([one.code, three.code]).toEqual([0, 0]);
      expect(linesOf(one.stdout)).toHaveLength(16);
      expect(three.stdout).toBe(one.stdout);
      expect(three.stderr).toMatch(/^exported 16 checkpoints \(.+\) in [\d.]+ s by 3 threads\n$/);
    });

    it("refuses a corrupt backup line, naming it, after restoring the lines before it", async () => {
      const chain = await seedExecution(subject.store, 3);
      const exported = await runBin(["export", "-s", subject.url]);
      const lines = linesOf(exported.stdout);
      lines[1] = (lines[1] as string).replace(/"counter": ?2/, '"counter":3'); // PostgreSQL's JSONB text has a space after the colon
      await subject.store.clear(chain[0]?.executionId as string);
      const result = await runBin(["import", "-s", subject.url], { input: `${lines.join("\n")}\n` });
      expect(result.code).toBe(EXIT_CODES.corruptBackup);
      expect(result.stderr).toMatch(/^lg-checkpoints: backup line 2 \(checkpoint .+\) is corrupt: checksum mismatch/);
      expect((await subject.store.list(chain[0]?.executionId as string)).map((cp) => cp.version)).toEqual([1]);
    });

    it("reports a conflicting line with exit code 8 after restoring the lines before it (batch writes included)", async () => {
      const chain = await seedExecution(subject.store, 3);
      const executionId = chain[0]?.executionId as string;
      const exported = await runBin(["export", "--execution", executionId, "-s", subject.url]);
      await subject.store.clear(executionId);
      const rival = { ...(chain[1] as Checkpoint), id: `${(chain[1] as Checkpoint).id}-rival`, nodeName: "rival" };
      await subject.store.save(rival);
      const result = await runBin(["import", "-s", subject.url], { input: exported.stdout });
      expect(result.code).toBe(EXIT_CODES.conflict);
      expect(result.stderr).toContain(
        `backup line 2: the target already holds another checkpoint at version 2 of execution "${executionId}"`,
      );
      const stored = await subject.store.list(executionId, { limit: 2 });
      expect(stored.map((cp) => [cp.version, cp.nodeName])).toEqual([
        [1, (chain[0] as Checkpoint).nodeName],
        [2, "rival"],
      ]);
    });

    it("prunes with a dry run first, keeping the newest and a pending pause", async () => {
      const chain = await seedExecution(subject.store, 6);
      const executionId = chain[0]?.executionId as string;
      const dry = await runBin(["prune", executionId, "--keep-last", "2", "--dry-run", "-s", subject.url]);
      expect(dry.stdout).toBe(`${executionId}: would delete 4 of 6 checkpoints (versions 1, 2, 3, 4)\n`);
      expect(await subject.store.list(executionId)).toHaveLength(6);
      const real = await runBin(["prune", executionId, "--keep-last", "2", "-s", subject.url]);
      expect([real.code, real.stdout]).toEqual([0, `${executionId}: deleted 4 of 6 checkpoints\n`]);
      expect((await subject.store.list(executionId)).map((cp) => cp.version)).toEqual([5, 6]);
      const all = await runBin(["prune", "--all", "--older-than", "1d", "-s", subject.url]);
      expect(all.code).toBe(0);
      // Version 6 is the newest and holds an unanswered pause; version 5 is older than a day and goes.
      expect((await subject.store.list(executionId)).map((cp) => cp.version)).toEqual([6]);
    });

    it("copies into a SQLite file with a count check, and a second run changes nothing", async () => {
      await seedExecution(subject.store, 3, { fork: true });
      await seedExecution(subject.store, 2);
      const to = `sqlite:${files.dir}/copy.db`;
      for (let round = 0; round < 2; round++) {
        const copy = await runBin(["copy", "--from", subject.url, "--to", to]);
        expect([copy.code, copy.stderr]).toEqual([
          0,
          expect.stringMatching(/^copied 6 checkpoints of 2 executions .*count check passed for 2 executions\n$/),
        ]);
      }
      const copied = new SqliteCheckpointStore({ path: `${files.dir}/copy.db` });
      try {
        expect(await copied.stats()).toMatchObject({ checkpoints: 6, executions: 2 });
      } finally {
        await copied.close();
      }
    });
  });
}
