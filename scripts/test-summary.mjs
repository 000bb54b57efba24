#!/usr/bin/env node
/**
 * Adds up the per-package test totals that `scripts/jest-summary-reporter.cjs` wrote to `.test-results/` during
 * `pnpm test`, and prints them, closing with one line of the form `Tests: N passed, M failed, K skipped`.
 *
 * Usage: `node scripts/test-summary.mjs [--test-exit-code <code>]`
 *
 * Exits 1 when any test failed, any test file could not run or jest called a run unsuccessful, when no test passed at all, when a workspace
 * package with a `test` script left no results (its runner crashed, or it ran no jest), or when the test command
 * itself exited non-zero (pass its code with `--test-exit-code`).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const resultsDir = join(root, ".test-results");

/** Workspace package folders, from the `packages:` globs of pnpm-workspace.yaml (`dir/*` or `dir`). */
function workspacePackageDirs() {
  const yaml = readFileSync(join(root, "pnpm-workspace.yaml"), "utf8");
  const block = yaml.split(/^packages:\s*$/m)[1]?.split(/^\S/m)[0] ?? "";
  const patterns = [...block.matchAll(/^\s*-\s*["']?([^"'\s#]+)["']?/gm)].map((m) => m[1]);
  const dirs = [];
  for (const pattern of patterns) {
    if (pattern.endsWith("/*")) {
      const parent = join(root, pattern.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true })) {
        if (entry.isDirectory()) dirs.push(join(parent, entry.name));
      }
    } else {
      dirs.push(join(root, pattern));
    }
  }
  return dirs.filter((dir) => existsSync(join(dir, "package.json")));
}

/** Names of the workspace packages whose `test` script runs jest (and so must leave results). */
function packagesExpectedToReport() {
  return workspacePackageDirs()
    .map((dir) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")))
    .filter((pkg) => /\bjest\b/.test(pkg.scripts?.test ?? ""))
    .map((pkg) => pkg.name)
    .sort();
}

function readResults() {
  if (!existsSync(resultsDir)) return [];
  return readdirSync(resultsDir)
    .filter((file) => file.endsWith(".json"))
    .map((file) => JSON.parse(readFileSync(join(resultsDir, file), "utf8")))
    .sort((a, b) => a.package.localeCompare(b.package));
}

function main(args) {
  const codeIndex = args.indexOf("--test-exit-code");
  const testExitCode = codeIndex >= 0 ? Number(args[codeIndex + 1]) : 0;

  const results = readResults();
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const problems = [];
  for (const r of results) {
    // A run jest calls unsuccessful without a failed test (a failing afterAll hook, an obsolete snapshot in CI)
    // still counts as one failure, so the closing line never reads "0 failed" for a failing run.
    const failed = Math.max(r.failed + r.suiteErrors, r.success ? 0 : 1);
    totals.passed += r.passed;
    totals.failed += failed;
    totals.skipped += r.skipped;
    const errors = r.suiteErrors > 0 ? ` (${r.suiteErrors} test files could not run)` : "";
    console.log(`  ${r.package}: ${r.passed} passed, ${failed} failed, ${r.skipped} skipped${errors}`);
  }

  const unsuccessful = results.filter((r) => !r.success && r.failed + r.suiteErrors === 0).map((r) => r.package);
  if (unsuccessful.length > 0)
    problems.push(`jest reported an unsuccessful run without failed tests: ${unsuccessful.join(", ")}`);

  const reported = new Set(results.map((r) => r.package));
  const missing = packagesExpectedToReport().filter((name) => !reported.has(name));
  if (missing.length > 0) problems.push(`no test results from: ${missing.join(", ")}`);
  if (totals.failed > 0) problems.push(`${totals.failed} tests failed`);
  if (totals.passed === 0) problems.push("no test passed: the test command ran no tests");
  if (testExitCode !== 0) problems.push(`the test command exited with code ${testExitCode}`);
  for (const problem of problems) console.log(`FAILED: ${problem}`);

  const skipped = totals.skipped > 0 ? `, ${totals.skipped} skipped` : "";
  console.log(`Tests: ${totals.passed} passed, ${totals.failed} failed${skipped}`);
  return problems.length > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
