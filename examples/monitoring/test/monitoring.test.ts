import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { runMonitoring } from "../src/monitoring.js";

const run = promisify(execFile);

describe("the monitoring example", () => {
  it("counts every save, alerts the save made slow on purpose and the ping of an unreachable store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lg-monitoring-test-"));
    const lines: string[] = [];
    try {
      const result = await runMonitoring({ dir, print: (line) => lines.push(line), executions: 3, slowCallMs: 40 });
      const save = result.sqlite.operations.save!;
      expect(save.count).toBe(12); // 3 executions × (the input + 3 steps)
      expect(save.errors).toBe(0);
      expect(save.latency.maxMs).toBeGreaterThanOrEqual(100); // the stalled save waits 3 × 40 ms
      expect(result.sqlite.operations.latest?.count).toBe(3);
      expect(result.redis.operations.ping).toMatchObject({
        count: 1,
        errors: 1,
        errorsByCode: { LG_STORE_UNAVAILABLE: 1 },
      });

      const slow = lines.filter((line) => line.startsWith("ALERT slow save:"));
      expect(slow.length).toBeGreaterThanOrEqual(1);
      expect(slow.some((line) => line.endsWith("for execution order-1"))).toBe(true);
      expect(lines.some((line) => /^sqlite: 12 checkpoints in 3 executions, \d+ bytes$/.test(line))).toBe(true);
      expect(lines.some((line) => /^save +12 +0 /.test(line))).toBe(true);
      expect(
        lines.some((line) => line.startsWith("ALERT redis: checkpoint store connection failed (LG_STORE_UNAVAILABLE)")),
      ).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs as a program (pnpm start) and prints the table and both alerts", async () => {
    const main = resolve(__dirname, "../src/main.ts");
    const { stdout } = await run(process.execPath, ["--import", "tsx", main], { cwd: resolve(__dirname, "..") });
    expect(stdout).toMatch(/^ALERT slow save: \d+\.\d ms \(limit 50 ms\) for execution order-1$/m);
    expect(stdout).toMatch(/^operation +calls +errors +p50 ms +p95 ms +p99 ms +max ms$/m);
    expect(stdout).toMatch(/^save +20 +0 /m);
    expect(stdout).toContain("sqlite: 20 checkpoints in 5 executions");
    expect(stdout).toContain("ALERT redis: checkpoint store connection failed (LG_STORE_UNAVAILABLE)");
  }, 60_000);
});
