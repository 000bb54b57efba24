/**
 * Shared jest settings: TypeScript through @swc/jest (type-checking is `tsc --noEmit`, run separately).
 * @param {string} dir the package directory
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
      "^(\\.{1,2}/.*)\\.js$": "$1",
    },
    testTimeout: 30000,
    ...overrides,
  };
};
