/**
 * The bad-input part of the reliability suite: a table of bad inputs across the API, each with the call it goes
 * to and the typed error it must end in, run on every store it applies to with what is stored compared before
 * and after.
 */
export { ALL_CASES, casesFor } from "./cases.js";
export { openHarness } from "./backends.js";
export type { Harness } from "./harness.js";
export { runCase } from "./runner.js";
export { seedStore } from "./seed.js";
export { formatTable, totalsOf, writeResults, type BackendTotals } from "./report.js";
export type { CaseOutcome } from "./outcome.js";
export { BACKENDS, type BackendName, type BadInputCase, type Seed } from "./types.js";
