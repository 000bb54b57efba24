import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

describe("pnpm demo (the SQLite example as a program)", () => {
  it("survives a real process crash: a worker dies in step2 and a new process resumes from the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lg-demo-"));
    try {
      const main = resolve(__dirname, "../sqlite/main.ts");
      const env = { ...process.env, SQLITE_DB_PATH: join(dir, "demo.db") };
      const first = await run(process.execPath, ["--import", "tsx", main], { env, cwd: resolve(__dirname, "..") });
      expect(first.stdout).toMatch(/worker process \d+ died in step2 \(exit code 75\)/);
      expect(first.stdout).toContain('latest checkpoint: v2 after step1, next ["step2"]');
      expect(first.stdout).toContain("1 execution(s), 11 checkpoint(s)");
      // a second run on the same file starts a new execution beside the first
      const second = await run(process.execPath, ["--import", "tsx", main], { env, cwd: resolve(__dirname, "..") });
      expect(second.stdout).toContain("2 execution(s), 22 checkpoint(s)");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
