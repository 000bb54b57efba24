/**
 * Bad input across the API on every store: each case's call must end in its typed error (class and code) and
 * leave what is stored exactly as it was (the backend's own dump of everything, and the seeded executions read
 * through the store). The corrupt-data cases damage a checkpoint underneath first; the damage is part of the
 * "before" and must stay as written. The table is printed at the end and written to .results/bad-input.json.
 */
import { join } from "node:path";
import {
  BACKENDS,
  casesFor,
  formatTable,
  openHarness,
  runCase,
  seedStore,
  writeResults,
  type CaseOutcome,
  type Harness,
  type Seed,
} from "../src/bad-input/index.js";

const outcomes: CaseOutcome[] = [];

afterAll(() => {
  if (outcomes.length === 0) return;
  console.log(formatTable(outcomes));
  writeResults(join(__dirname, "..", ".results", "bad-input.json"), outcomes);
});

describe.each(BACKENDS.map((backend) => [backend]))("bad input on %s", (backend) => {
  let harness: Harness | undefined;
  let seed: Seed | undefined;

  beforeAll(async () => {
    harness = await openHarness(backend);
    seed = await seedStore(harness.store);
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
  }, 30_000);

  for (const c of casesFor(backend)) {
    it(`${c.area}: ${c.name} → ${(c.expectedOn?.[backend] ?? c.expected).code}`, async () => {
      if (harness === undefined || seed === undefined) throw new Error(`the ${backend} harness did not open`);
      const outcome = await runCase(c, harness, seed);
      outcomes.push(outcome);
      // `got` is on both sides so that a failure shows what the call ended in.
      const verdict = { call: c.call, got: outcome.got, typed: outcome.typed, unchanged: outcome.unchanged };
      expect(verdict).toEqual({ call: c.call, got: outcome.got, typed: true, unchanged: true });
    });
  }
});

test("the table holds at least 40 distinct bad inputs and every backend ran", () => {
  expect(new Set(outcomes.map((o) => o.name)).size).toBeGreaterThanOrEqual(40);
  expect(new Set(outcomes.map((o) => o.backend))).toEqual(new Set(BACKENDS));
});
