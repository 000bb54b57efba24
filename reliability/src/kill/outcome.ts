import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCampaign, type CampaignResult } from "./campaign.js";
import { checkExecution, checkKillPoints } from "./checks.js";
import type { KillEnvironment } from "./environment.js";
import { formatFigures, storeFigures, type RecordedFigures, type StoreFigures } from "./figures.js";
import { expectedStateAt, FINAL_VERSION } from "./graph.js";
import { planKills } from "./points.js";
import { seededRandom } from "./prng.js";
import type { KillSettings } from "./settings.js";
import { openStore } from "./stores.js";

/** One store's campaign, checked. */
export interface KillOutcome {
  /** The campaign's executions and timings. */
  result: CampaignResult;
  /** What the checks found wrong: kill points and executions, the reference run included (none: `[]`). */
  problems: string[];
  /** The store's figures. */
  figures: StoreFigures;
}

/**
 * Checks every execution of a campaign (the reference run included) on a store of its own and returns the
 * problems found; see {@link checkExecution}.
 */
export async function checkCampaign(environment: KillEnvironment, result: CampaignResult): Promise<string[]> {
  const reference = expectedStateAt(FINAL_VERSION);
  const store = await openStore(environment.spec);
  try {
    const problems: string[] = [];
    for (const id of [result.referenceId, ...result.reports.map((report) => report.executionId)]) {
      problems.push(...(await checkExecution(store, id, reference)));
    }
    return problems;
  } finally {
    await store.close();
  }
}

/**
 * Plans the store's kills from the seed, runs its campaign (the driver reads latest versions on a store of its
 * own), checks that every kill fell where it claims and every execution ended right, and adds up the figures.
 */
export async function runKillCampaign(environment: KillEnvironment, settings: KillSettings): Promise<KillOutcome> {
  const { spec, script, dir } = environment;
  const plans = planKills(seededRandom(settings.seed), settings.executions, settings.killsPerExecution);
  const store = await openStore(spec);
  let result: CampaignResult;
  try {
    const idPrefix = `${spec.kind}-${settings.seed}-${Date.now().toString(36)}`;
    result = await runCampaign({ launcher: { script }, spec, store, dir }, idPrefix, plans);
  } finally {
    await store.close();
  }
  return {
    result,
    problems: [
      ...result.reports.flatMap((report) => checkKillPoints(report.executionId, report.kills)),
      ...(await checkCampaign(environment, result)),
    ],
    figures: storeFigures(spec.kind, result.reports, result),
  };
}

/**
 * Records one store's figures: `<dir>/kill/<store>.json`, then `<dir>/kill.json` with every store recorded so far
 * (each entry keeps its own seed and time), and returns the table of them all. The store files let the stores' test
 * files run in any order, or in parallel, without losing each other's figures.
 */
export function recordFigures(resultsDir: string, seed: number, figures: StoreFigures): string {
  const storesDir = join(resultsDir, "kill");
  mkdirSync(storesDir, { recursive: true });
  const entry: RecordedFigures & { writtenAt: string; node: string } = {
    seed,
    writtenAt: new Date().toISOString(),
    node: process.version,
    ...figures,
  };
  writeFileSync(join(storesDir, `${figures.store}.json`), `${JSON.stringify(entry, null, 2)}\n`);
  const all = readdirSync(storesDir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(storesDir, name), "utf8")) as RecordedFigures);
  writeFileSync(join(resultsDir, "kill.json"), `${JSON.stringify({ suite: "kill", stores: all }, null, 2)}\n`);
  return formatFigures(all);
}
