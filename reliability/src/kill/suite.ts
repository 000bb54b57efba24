import { join } from "node:path";
import { startKillEnvironment, type KillEnvironment } from "./environment.js";
import { recordFigures, runKillCampaign, type KillOutcome } from "./outcome.js";
import { KILL_KINDS } from "./points.js";
import { MIN_KILL_POINTS, resolveKillSettings } from "./settings.js";
import type { StoreKind } from "./stores.js";

/** Longest a store's campaign may take (it takes well under a minute on an idle machine). */
const CAMPAIGN_TIMEOUT_MS = 170_000;

/** Options of {@link describeKillSuite}. */
export interface KillSuiteOptions {
  /** The package directory (the compiled child goes there, the figures to its `.results/`). */
  packageDir: string;
  /** Title of the test. */
  title: string;
  /** Further checks, in the same test, once the campaign passed its own. */
  then?: (environment: KillEnvironment, outcome: KillOutcome) => Promise<void>;
}

/**
 * Registers one store's kill suite with jest: a `beforeAll` that prepares the store and compiles the child, a
 * guarded `afterAll`, and one test that runs the campaign from the seed (printed), expects no problem, at least
 * {@link MIN_KILL_POINTS} kill points with every kind reached, and records and prints the figures.
 */
export function describeKillSuite(kind: StoreKind, options: KillSuiteOptions): void {
  const settings = resolveKillSettings();
  let environment: KillEnvironment | undefined;

  beforeAll(async () => {
    console.log(`kill suite on ${kind}: seed ${settings.seed} (replay with LG_RELIABILITY_SEED=${settings.seed})`);
    environment = await startKillEnvironment(kind, options.packageDir);
  }, 60_000);

  afterAll(async () => {
    await environment?.dispose();
  }, 30_000);

  it(
    options.title,
    async () => {
      if (environment === undefined) throw new Error(`the ${kind} kill environment did not start`);
      const outcome = await runKillCampaign(environment, settings);
      const { points, ...summary } = outcome.figures;
      console.log(`${kind}: ${JSON.stringify(summary)}\n${points.map((point) => JSON.stringify(point)).join("\n")}`);
      expect(outcome.problems).toEqual([]);
      expect(outcome.figures.killPoints).toBeGreaterThanOrEqual(MIN_KILL_POINTS);
      // Every kind of point was reached on this store, not only planned.
      expect(KILL_KINDS.filter((k) => outcome.figures.byKind[k] === 0)).toEqual([]);
      console.log(recordFigures(join(options.packageDir, ".results"), settings.seed, outcome.figures));
      await options.then?.(environment, outcome);
    },
    CAMPAIGN_TIMEOUT_MS,
  );
}
