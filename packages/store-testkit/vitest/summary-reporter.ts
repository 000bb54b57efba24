import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

/**
 * Records this package's vitest totals beside the jest totals in the workspace's `.test-results/` (same fields as
 * `scripts/jest-summary-reporter.cjs`), so `scripts/test-summary.mjs` counts the vitest proof too.
 */
export class SummaryReporter implements Reporter {
  constructor(private readonly outputDir: string) {}

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    let suiteErrors = 0;
    for (const module of testModules) {
      if (module.state() === "failed" && [...module.children.allTests()].length === 0) suiteErrors++;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
    }
    const summary = {
      package: "@lg/store-testkit (vitest)",
      passed,
      failed,
      skipped,
      total: passed + failed + skipped,
      failedSuites: testModules.filter((m) => m.state() === "failed").length,
      suiteErrors: suiteErrors + unhandledErrors.length,
      success: failed === 0 && suiteErrors === 0 && unhandledErrors.length === 0,
      finishedAt: new Date().toISOString(),
    };
    mkdirSync(this.outputDir, { recursive: true });
    const file = join(this.outputDir, "lg__store-testkit__vitest.json");
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, `${JSON.stringify(summary, null, 2)}\n`);
    renameSync(partial, file);
  }
}
