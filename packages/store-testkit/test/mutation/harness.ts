import { runCheckpointStoreSpec, type RawStoreAccess, type SpecOptions } from "../../src/index.js";
import { CollectingRunner, type CollectedResult } from "../fixtures/collecting-runner.js";
import { MUTANTS, type MutantName } from "./catalogue.js";
import { throughDriver } from "./columns.js";
import { MutantStore } from "./mutant-store.js";

/** The password of the unreachable server's URL, which no error may show. */
const SECRET = "s3cret-pw-7f1c";

function rawOf(store: MutantStore): RawStoreAccess {
  return {
    read: async ({ id }) => store.rows.get(throughDriver(id))?.text,
    corrupt: async ({ id }) => {
      const row = store.rows.get(throughDriver(id));
      if (row !== undefined) row.text = "{not json";
    },
  };
}

/** The spec options for the store with `mutant` planted (none: the correct store). */
export function mutantSpecOptions(
  mutant: MutantName | undefined,
  runner: SpecOptions["runner"],
): SpecOptions<MutantStore> {
  return {
    name: mutant ?? "correct mutant store",
    createStore: () => new MutantStore({ mutant }),
    openSameLocation: (store) => store.reopen(),
    raw: rawOf,
    unavailable: {
      createStore: () => new MutantStore({ mutant, unreachableUrl: `postgres://app:${SECRET}@127.0.0.1:1/lg` }),
      secret: SECRET,
      withinMs: 5_000,
    },
    capabilities: { nativePrune: true, taskResults: true, persistent: true, multiProcess: true, ttl: false },
    runner,
  };
}

/** The outcome of the spec on one mutant. */
export interface MutantOutcome {
  mutant: MutantName;
  /** The first check that failed, or undefined when the mutant survived. */
  killedBy?: string;
}

/** Runs the spec on the store with `mutant` planted (none: the correct store), in this process. */
export async function runSpecOn(
  mutant: MutantName | undefined,
  stopAtFirstFailure: boolean,
): Promise<CollectedResult[]> {
  const collecting = new CollectingRunner();
  runCheckpointStoreSpec(mutantSpecOptions(mutant, collecting.runner));
  return collecting.run({ stopAtFirstFailure });
}

/** Runs the spec once per mutant of the catalogue, one at a time. */
export async function runMutants(): Promise<MutantOutcome[]> {
  const outcomes: MutantOutcome[] = [];
  for (const mutant of Object.keys(MUTANTS) as MutantName[]) {
    const failed = (await runSpecOn(mutant, true)).find((result) => result.status === "failed");
    outcomes.push(failed === undefined ? { mutant } : { mutant, killedBy: failed.title });
  }
  return outcomes;
}

/** `mutants: N, killed: K, survived: …` and one line per survivor with the bug it plants. */
export function formatKillRate(outcomes: readonly MutantOutcome[]): string {
  const survivors = outcomes.filter((o) => o.killedBy === undefined);
  const killed = outcomes.length - survivors.length;
  const rate = outcomes.length === 0 ? 0 : Math.round((killed / outcomes.length) * 1000) / 10;
  const head = `mutants: ${outcomes.length}, killed: ${killed} (${rate}%), survived: ${survivors.length === 0 ? "none" : survivors.map((s) => s.mutant).join(", ")}`;
  return [head, ...survivors.map((s) => `  survivor ${s.mutant}: ${MUTANTS[s.mutant]}`)].join("\n");
}
