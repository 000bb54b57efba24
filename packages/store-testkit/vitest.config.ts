import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { SummaryReporter } from "./vitest/summary-reporter.js";

const resultsDir = fileURLToPath(new URL("../../.test-results", import.meta.url));

// Proves the spec runs under vitest as well as jest (the jest suite lives in test/).
export default defineConfig({
  test: {
    include: ["vitest/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    reporters: ["default", new SummaryReporter(resultsDir)],
  },
});
