import { existsSync, readFileSync, writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import type { Checkpoint } from "@lg/core";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { createTestCheckpoint } from "@lg/store-testkit";
import { EXIT_CODES } from "../src/index.js";
import { assertBuilt, linesOf, runBin, tempDir } from "./helpers.js";

/**
 * `export` and `import` with several worker threads (`--jobs`), on SQLite files: the same bytes and the same
 * restored store as with one thread, the same errors, and the order of the backup kept whatever thread is faster.
 */

/** `count` checkpoints of one execution, each state holding `bytes` characters, saved in one batch. */
async function seed(
  store: SqliteCheckpointStore,
  executionId: string,
  count: number,
  bytes = 40,
): Promise<Checkpoint[]> {
  const chain = Array.from({ length: count }, (_, i) =>
    createTestCheckpoint({
      executionId,
      version: i + 1,
      state: {
        step: i + 1,
        when: new Date(Date.UTC(2025, 0, 1, 0, 0, i)),
        tags: new Set([`t${i % 3}`]),
        blob: "x".repeat(bytes),
      },
      metadata: { source: "loop", step: i + 1 },
    }),
  );
  await store.saveMany(chain);
  return chain;
}

/** Another checkpoint at `cp`'s execution and version: what a restore of `cp` conflicts with. */
function rivalOf(cp: Checkpoint | undefined): Checkpoint {
  const taken = cp as Checkpoint;
  return { ...taken, id: `${taken.id}-rival`, nodeName: "rival" };
}

describe("lg-checkpoints export and import with worker threads", () => {
  let files: ReturnType<typeof tempDir>;
  let path: string;
  let store: SqliteCheckpointStore;
  beforeAll(assertBuilt);
  beforeEach(() => {
    files = tempDir();
    path = `${files.dir}/source.db`;
    store = new SqliteCheckpointStore({ path });
  });
  afterEach(async () => {
    await store.close();
    files.remove();
  });

  /** Exports the source store into `backup.jsonl`; returns its lines. */
  async function exportBackup(): Promise<string[]> {
    const exported = await runBin(["export", "-o", `${files.dir}/backup.jsonl`, "-s", `sqlite:${path}`]);
    expect(exported.code).toBe(0);
    return linesOf(readFileSync(`${files.dir}/backup.jsonl`, "utf8"));
  }

  /** Imports the backup file `backup` (in the test's directory) into the SQLite file `target` with `jobs` threads. */
  function importFile(backup: string, target: string, jobs = "2"): ReturnType<typeof runBin> {
    return runBin(["import", "--jobs", jobs, "-i", `${files.dir}/${backup}`, "-s", `sqlite:${target}`]);
  }

  it("writes the same backup with one thread or three, a large execution first, and restores it either way", async () => {
    // 300 checkpoints of ~20 kB: ~6 MB in one execution, more chunks than a thread may have unwritten at once, so the
    // threads behind it wait for it while the main thread writes it.
    await seed(store, "a-large", 300, 20_000);
    for (let e = 0; e < 6; e++) await seed(store, `b-small-${e}`, e + 1);
    const one = await runBin(["export", "--jobs", "1", "-o", `${files.dir}/one.jsonl`, "-s", `sqlite:${path}`]);
    const three = await runBin(["export", "--jobs", "3", "-o", `${files.dir}/three.jsonl`, "-s", `sqlite:${path}`]);
    expect([one.code, three.code]).toEqual([0, 0]);
    expect(three.stderr).toMatch(/^exported 321 checkpoints \(.+\) in [\d.]+ s by 3 threads\n$/);
    expect(one.stderr).toMatch(/^exported 321 checkpoints \(.+\) in [\d.]+ s\n$/);
    const backup = readFileSync(`${files.dir}/one.jsonl`);
    expect(readFileSync(`${files.dir}/three.jsonl`).equals(backup)).toBe(true);
    expect(
      linesOf(backup.toString("utf8")).map(
        (l) => (JSON.parse(l) as { checkpoint: Checkpoint }).checkpoint.executionId,
      )[300],
    ).toBe("b-small-0");

    for (const jobs of ["1", "3"]) {
      const target = `${files.dir}/restored-${jobs}.db`;
      for (let round = 0; round < 2; round++) {
        const imported = await importFile("one.jsonl", target, jobs);
        expect([imported.code, imported.stderr]).toEqual([
          0,
          expect.stringMatching(
            jobs === "1"
              ? /^imported 321 checkpoints \(.+\) in [\d.]+ s;/
              : /^imported 321 checkpoints .+ by 3 threads;/,
          ),
        ]);
      }
      const again = await runBin([
        "export",
        "--jobs",
        "1",
        "-o",
        `${files.dir}/again-${jobs}.jsonl`,
        "-s",
        `sqlite:${target}`,
      ]);
      expect(again.code).toBe(0);
      expect(readFileSync(`${files.dir}/again-${jobs}.jsonl`).equals(backup)).toBe(true);
    }
  });

  it("fails on a damaged row as one thread does: the executions before it written, the same exit code and line", async () => {
    // Two damaged executions: the first one's damage is on its second page, the second one's on its first row. One
    // thread meets the first; so must two, though the second execution's thread fails sooner.
    const first = await seed(store, "a", 1000);
    const second = await seed(store, "b", 3);
    await seed(store, "c", 3);
    const db = new Database(path);
    const damage = db.prepare("UPDATE checkpoints SET state = '{\"broken' WHERE id = ?");
    damage.run((first[989] as Checkpoint).id);
    damage.run((second[0] as Checkpoint).id);
    db.close();
    const one = await runBin(["export", "--jobs", "1", "-s", `sqlite:${path}`]);
    const two = await runBin(["export", "--jobs", "2", "-s", `sqlite:${path}`]);
    // A damaged stored checkpoint is a CheckpointCorruptError, which the CLI does not classify further; the page read
    // ahead that meets it fails as one clear line, not as an unhandled rejection.
    expect(one.code).toBe(EXIT_CODES.failure);
    expect(one.stderr).toMatch(/^lg-checkpoints: .*corrupt[^\n]*\n$/);
    expect(one.stderr).toContain((first[989] as Checkpoint).id);
    expect([two.code, two.stderr]).toEqual([one.code, one.stderr]);
    const executionsWritten = (out: string): string[] => [
      ...new Set(linesOf(out).map((l) => (JSON.parse(l) as { checkpoint: Checkpoint }).checkpoint.executionId)),
    ];
    expect(executionsWritten(two.stdout)).toEqual(executionsWritten(one.stdout));
    expect(executionsWritten(two.stdout)).not.toContain("b");
  });

  it("stops the threads it started early when the store does not open, and fails as one thread does", async () => {
    // The threads start while the main thread opens the store (warm-threads.ts): a store that does not open must
    // neither keep the process alive nor change what it says.
    const missing = `sqlite:${files.dir}/missing.db`;
    const one = await runBin(["export", "--jobs", "1", "-s", missing]);
    expect(one.code).toBe(EXIT_CODES.badUrl);
    for (const jobs of ["2", "3"]) {
      const many = await runBin(["export", "--jobs", jobs, "-s", missing]);
      expect([many.code, many.stderr]).toEqual([one.code, one.stderr]);
    }
    // A directory is no SQLite file: the import's store does not open either.
    writeFileSync(`${files.dir}/backup.jsonl`, "");
    const notFile = await importFile("backup.jsonl", files.dir);
    expect(notFile.code).not.toBe(0);
    expect(notFile.stderr).toMatch(/^lg-checkpoints: [^\n]+\n$/);
  });

  it("fails with one line, before it opens the store, when the output file cannot be written", async () => {
    const result = await runBin(["export", "-o", `${files.dir}/missing/backup.jsonl`, "-s", `sqlite:${path}`]);
    expect([result.code, result.stdout]).toEqual([EXIT_CODES.failure, ""]);
    expect(result.stderr).toMatch(/^lg-checkpoints: ENOENT: no such file or directory, open '.+backup\.jsonl'\n$/);
  });

  it("fails with one line when a write of the output fails (a full disk), with one thread or two", async () => {
    await seed(store, "a", 600, 2000);
    for (const jobs of ["1", "2"]) {
      const result = await runBin(["export", "--jobs", jobs, "-o", "/dev/full", "-s", `sqlite:${path}`]);
      expect([jobs, result.code, result.stderr]).toEqual([
        jobs,
        EXIT_CODES.failure,
        "lg-checkpoints: ENOSPC: no space left on device, write\n",
      ]);
    }
  });

  it("fails with one line, before it creates the store, when the backup file cannot be read", async () => {
    const target = `${files.dir}/restored.db`;
    const result = await importFile("missing.jsonl", target);
    expect([result.code, result.stdout]).toEqual([EXIT_CODES.failure, ""]);
    expect(result.stderr).toMatch(/^lg-checkpoints: ENOENT: no such file or directory, open '.+missing\.jsonl'\n$/);
    expect(existsSync(target)).toBe(false);
  });

  it("refuses more than 16 threads as wrong usage", async () => {
    const result = await runBin(["export", "--jobs", "17", "-s", `sqlite:${path}`]);
    expect([result.code, result.stderr]).toEqual([
      EXIT_CODES.usage,
      expect.stringContaining('"17" is more than 16 threads'),
    ]);
  });

  it("names a corrupt line after several batches, with every line before it restored", async () => {
    await seed(store, "a", 1200);
    const lines = await exportBackup();
    lines[1100] = (lines[1100] as string).replace('"step":1101', '"step":1102');
    writeFileSync(`${files.dir}/corrupt.jsonl`, `${lines.join("\n")}\n`);
    const target = `${files.dir}/restored.db`;
    const result = await importFile("corrupt.jsonl", target);
    expect(result.code).toBe(EXIT_CODES.corruptBackup);
    expect(result.stderr).toMatch(/^lg-checkpoints: backup line 1101 \(checkpoint .+\) is corrupt: checksum mismatch/);
    const restored = new SqliteCheckpointStore({ path: target });
    try {
      const versions = (await restored.listHeaders("a")).map((cp) => cp.version);
      expect(versions).toEqual(Array.from({ length: 1100 }, (_, i) => i + 1));
    } finally {
      await restored.close();
    }
  });

  it("reports a conflict a thread met with exit code 8, naming its line", async () => {
    const chain = await seed(store, "a", 1200);
    await exportBackup();
    const target = new SqliteCheckpointStore({ path: `${files.dir}/target.db` });
    try {
      await target.save(rivalOf(chain[700]));
      const result = await importFile("backup.jsonl", `${files.dir}/target.db`);
      expect(result.code).toBe(EXIT_CODES.conflict);
      expect(result.stderr).toBe(
        'lg-checkpoints: backup line 701: the target already holds another checkpoint at version 701 of execution "a". ' +
          "Restore into an empty store, or clear that execution first.\n",
      );
      // Every line before the conflict is restored (the refused batch line by line), as with one thread.
      const headers = (await target.listHeaders("a")).slice(0, 701);
      expect(headers.map((cp) => cp.version)).toEqual(Array.from({ length: 701 }, (_, i) => i + 1));
      expect(headers[700]?.nodeName).toBe("rival");
    } finally {
      await target.close();
    }
  });

  it("reports a conflict before a corrupt line as one thread does", async () => {
    const chain = await seed(store, "a", 10);
    const lines = await exportBackup();
    lines[7] = (lines[7] as string).replace('"step":8', '"step":9');
    writeFileSync(`${files.dir}/both.jsonl`, `${lines.join("\n")}\n`);
    const results = [];
    for (const jobs of ["1", "2"]) {
      const target = new SqliteCheckpointStore({ path: `${files.dir}/target-${jobs}.db` });
      try {
        await target.save(rivalOf(chain[4]));
      } finally {
        await target.close();
      }
      results.push(await importFile("both.jsonl", `${files.dir}/target-${jobs}.db`, jobs));
    }
    expect(results[0]?.code).toBe(EXIT_CODES.conflict);
    expect(results[0]?.stderr).toContain("backup line 5: the target already holds another checkpoint at version 5");
    expect(results[1]).toEqual({ ...results[0], stdout: "" });
  });
});
