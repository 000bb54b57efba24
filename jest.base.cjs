const { join } = require("node:path");

/**
 * Shared jest settings: TypeScript through @swc/jest (type-checking is `tsc --noEmit`, run separately).
 * Besides jest's default output, each run records its totals in `.test-results/<package>.json` at the workspace
 * root (see scripts/jest-summary-reporter.cjs); `scripts/test-summary.mjs` adds them up after `pnpm test`.
 * @param {string} dir the package directory
 * @param {object} [overrides] jest options that replace the defaults
 */
module.exports = function jestConfig(dir, overrides = {}) {
  return {
    rootDir: dir,
    testEnvironment: "node",
    testMatch: ["<rootDir>/test/**/*.test.ts"],
    transform: {
      "^.+\\.(t|j)sx?$": [
        require.resolve("@swc/jest"),
        { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } },
      ],
    },
    // Workspace packages resolve to their sources, so tests see edits without a rebuild.
    moduleNameMapper: {
      "^@lg/(core|store-[a-z]+)$": `${__dirname}/packages/$1/src/index.ts`,
      "^@lg/core/store$": `${__dirname}/packages/core/src/store-entry.ts`,
      "^(\\.{1,2}/.*)\\.js$": "$1",
    },
    reporters: [
      "default",
      [
        join(__dirname, "scripts", "jest-summary-reporter.cjs"),
        { outputDir: join(__dirname, ".test-results"), packageDir: dir },
      ],
    ],
    testTimeout: 30000,
    // `pnpm test` runs up to 1.5 packages per core at once (turbo --concurrency=150%); half the cores per jest run
    // keeps a two-core CI machine at about three busy processes instead of one per package and core.
    maxWorkers: "50%",
    ...overrides,
  };
};
