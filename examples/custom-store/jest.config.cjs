const { join } = require("node:path");

const root = join(__dirname, "..", "..");

/**
 * Jest as a store author outside this repository would set it up: TypeScript through @swc/jest, and no mapping of
 * `@lg/*` to workspace sources — `@lg/core` and `@lg/store-testkit` resolve to their built packages, exactly as
 * they would from npm. The only workspace addition is the summary reporter, which records this package's totals
 * for the workspace's test summary.
 */
module.exports = {
  testEnvironment: "node",
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  transform: {
    "^.+\\.ts$": [
      require.resolve("@swc/jest"),
      { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } },
    ],
  },
  // Sources import siblings as `./x.js` (NodeNext); point those at the .ts files.
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  reporters: [
    "default",
    [
      join(root, "scripts", "jest-summary-reporter.cjs"),
      { outputDir: join(root, ".test-results"), packageDir: __dirname },
    ],
  ],
  testTimeout: 30000,
};
