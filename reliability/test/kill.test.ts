import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointId } from "@lg/core";
import { postgresForTests, type PostgresTestDatabase } from "@lg/store-testkit";
import { createClient } from "redis";
import { PrivateRedis } from "../../packages/store-redis/test/private-redis.js";
import { buildChild } from "../src/kill/build-child.js";
import { runCampaign, type CampaignResult } from "../src/kill/campaign.js";
import { checkExecution } from "../src/kill/checks.js";
import { formatFigures, storeFigures, writeFigures, type StoreFigures } from "../src/kill/figures.js";
import { expectedStateAt, FINAL_VERSION } from "../src/kill/graph.js";
import { KILL_KINDS, planKills, type PlannedKill } from "../src/kill/points.js";
import { seededRandom } from "../src/kill/prng.js";
import { MIN_KILL_POINTS, resolveKillSettings } from "../src/kill/settings.js";
import { openStore, type StoreKind, type StoreSpec } from "../src/kill/stores.js";

/**
 * SIGKILL at seeded points of a 50-step graph on every durable store: in a node, before a save, inside a save,
 * after a save and at a random moment; a new process resumes each time. Every execution must end in the state of
 * an uninterrupted run, with versions 1..51 and no step applied twice. The three stores' campaigns run side by
 * side (started in beforeAll); each test checks one store's.
 */

const PACKAGE_DIR = join(__dirname, "..");
const RESULTS_FILE = join(PACKAGE_DIR, ".results", "kill.json");
const STORES: readonly StoreKind[] = ["sqlite", "postgres", "redis"];
const CAMPAIGN_TIMEOUT_MS = 170_000;

const settings = resolveKillSettings();
const random = seededRandom(settings.seed);
// Planned up front in a fixed order, so a store's plan depends on the seed only.
const plans = new Map<StoreKind, PlannedKill[][]>(
  STORES.map((kind) => [kind, planKills(random, settings.executions, settings.killsPerExecution)]),
);
const runId = createCheckpointId().slice(-12);
const reference = expectedStateAt(FINAL_VERSION);
const campaigns = new Map<StoreKind, Promise<CampaignResult>>();
const figures: StoreFigures[] = [];

let tempDir: string | undefined;
let buildDir: string | undefined;
let postgres: PostgresTestDatabase | undefined;
let redis: PrivateRedis | undefined;

function specOf(kind: StoreKind, dir: string, pg: PostgresTestDatabase, server: PrivateRedis): StoreSpec {
  switch (kind) {
    case "sqlite":
      return { kind, path: join(dir, "kill.db") };
    case "postgres":
      return { kind, url: pg.url, schema: pg.schema };
    case "redis":
      return { kind, url: server.url, prefix: `kill-${runId}:` };
  }
}

/** Runs one store's campaign with a store of the driver's own (to read latest versions), closed at the end. */
async function campaignOn(spec: StoreSpec, script: string, dir: string): Promise<CampaignResult> {
  const store = await openStore(spec);
  try {
    return await runCampaign(
      { launcher: { script }, spec, store, dir },
      `${spec.kind}-${runId}`,
      plans.get(spec.kind) ?? [],
    );
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  console.log(`kill suite seed ${settings.seed} (replay with LG_RELIABILITY_SEED=${settings.seed})`);
  tempDir = mkdtempSync(join(tmpdir(), "lg-reliability-kill-"));
  // Inside the package, so that the compiled child finds better-sqlite3, postgres and redis in its node_modules.
  buildDir = mkdtempSync(join(PACKAGE_DIR, ".kill-build-"));
  const { script } = await buildChild(join(PACKAGE_DIR, "src", "kill"), buildDir);
  postgres = await postgresForTests();
  // Every write is fsynced to the append-only file before Redis acknowledges it.
  redis = await PrivateRedis.start(["--appendonly", "yes", "--appendfsync", "always"]);
  for (const kind of STORES) {
    const running = campaignOn(specOf(kind, tempDir, postgres, redis), script, tempDir);
    running.catch(() => undefined); // reported by the store's test; never an unhandled rejection
    campaigns.set(kind, running);
  }
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(campaigns.values()); // no child may outlive the servers and files it uses
  if (figures.length > 0) {
    console.log(formatFigures(settings.seed, figures));
    writeFigures(RESULTS_FILE, settings.seed, figures);
  }
  await postgres?.cleanup();
  await redis?.dispose();
  for (const dir of [tempDir, buildDir]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}, CAMPAIGN_TIMEOUT_MS);

/** Waits for the store's campaign, checks the reference run and every killed execution, and records the figures. */
async function checkCampaign(kind: StoreKind): Promise<CampaignResult> {
  const running = campaigns.get(kind);
  if (running === undefined || postgres === undefined || redis === undefined || tempDir === undefined) {
    throw new Error("the suite's setup failed");
  }
  const result = await running;
  const store = await openStore(specOf(kind, tempDir, postgres, redis));
  try {
    expect(await checkExecution(store, result.referenceId, reference)).toEqual([]);
    for (const report of result.reports) expect(await checkExecution(store, report.executionId, reference)).toEqual([]);
  } finally {
    await store.close();
  }
  const figure = storeFigures(kind, result.reports, result);
  figures.push(figure);
  const { points, ...summary } = figure;
  console.log(`${kind}: ${JSON.stringify(summary)}\n${points.map((p) => JSON.stringify(p)).join("\n")}`);
  expect(figure.killPoints).toBeGreaterThanOrEqual(MIN_KILL_POINTS);
  // Every kind of point was reached on this store, not only planned.
  expect(KILL_KINDS.filter((k) => figure.byKind[k] === 0)).toEqual([]);
  return result;
}

describe("SIGKILL at seeded points, a new process resumes", () => {
  it(
    "SQLite (one file shared by every process)",
    async () => {
      await checkCampaign("sqlite");
    },
    CAMPAIGN_TIMEOUT_MS,
  );

  it(
    "PostgreSQL (a schema on the local server)",
    async () => {
      await checkCampaign("postgres");
    },
    CAMPAIGN_TIMEOUT_MS,
  );

  it(
    "Redis (a private server with appendonly yes, appendfsync always), which then restarts from its AOF",
    async () => {
      const result = await checkCampaign("redis");
      if (redis === undefined || tempDir === undefined || postgres === undefined)
        throw new Error("the suite's setup failed");
      const client = createClient({ url: redis.url });
      await client.connect();
      try {
        expect(await client.configGet("append*")).toMatchObject({ appendonly: "yes", appendfsync: "always" });
      } finally {
        client.destroy();
      }
      // SIGKILL the server too: what it acknowledged to the killed clients was on disk, and comes back.
      await redis.stop();
      await redis.resume();
      const store = await openStore(specOf("redis", tempDir, postgres, redis));
      try {
        for (const id of [result.referenceId, ...result.reports.map((r) => r.executionId)]) {
          expect(await checkExecution(store, id, reference)).toEqual([]);
        }
      } finally {
        await store.close();
      }
    },
    CAMPAIGN_TIMEOUT_MS,
  );
});
