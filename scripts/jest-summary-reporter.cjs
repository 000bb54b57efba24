/**
 * Jest reporter that records one package's test totals as JSON, so the workspace can add them up after
 * `turbo run test` (each package runs its own jest, and CI needs one total across all of them).
 *
 * Writes `<outputDir>/<package name>.json` (`@lg/core` → `lg__core.json`):
 * `{ package, passed, failed, skipped, total, failedSuites, suiteErrors, success, finishedAt }`.
 * `suiteErrors` counts test files that could not run at all (an import that throws, a syntax error); jest does
 * not count those as failed tests, so the summary adds them to `failed`.
 *
 * Wired in `jest.base.cjs` beside jest's "default" reporter, which stays the human-readable output.
 */
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");

/** The reporter jest instantiates once per run; see the file comment for what it writes. */
class JestSummaryReporter {
  /**
   * @param {{ rootDir: string }} globalConfig
   * @param {{ outputDir: string, packageDir?: string }} options
   */
  constructor(globalConfig, options) {
    this.outputDir = options.outputDir;
    this.packageDir = options.packageDir ?? globalConfig.rootDir;
  }

  /** The package's name from its package.json, or its folder when it has none. */
  packageName() {
    try {
      return JSON.parse(readFileSync(join(this.packageDir, "package.json"), "utf8")).name ?? this.packageDir;
    } catch {
      return this.packageDir;
    }
  }

  /** Called once by jest after every test file has run. */
  onRunComplete(_contexts, results) {
    const name = this.packageName();
    const summary = {
      package: name,
      passed: results.numPassedTests,
      failed: results.numFailedTests,
      skipped: results.numPendingTests + results.numTodoTests,
      total: results.numTotalTests,
      failedSuites: results.numFailedTestSuites,
      suiteErrors: results.numRuntimeErrorTestSuites,
      // jest fills `results.success` only after the reporters have run, so it is always false here; derive it from
      // what it is made of: no failed or unrunnable test file, no snapshot failure.
      success:
        results.numFailedTestSuites === 0 &&
        results.numRuntimeErrorTestSuites === 0 &&
        !(results.snapshot && results.snapshot.failure),
      finishedAt: new Date().toISOString(),
    };
    mkdirSync(this.outputDir, { recursive: true });
    const file = join(this.outputDir, `${name.replace(/^@/, "").replace(/[^A-Za-z0-9._-]+/g, "__")}.json`);
    // Write then rename, so a reader never sees half a file.
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, `${JSON.stringify(summary, null, 2)}\n`);
    renameSync(partial, file);
  }
}

module.exports = JestSummaryReporter;
