import { EXPECTED_SURVIVORS, MUTANTS, type MutantName } from "./mutation/catalogue.js";
import { formatKillRate, runMutants, runSpecOn } from "./mutation/harness.js";

// The mutation harness: the whole spec runs once per planted bug (in this process, through the collecting runner,
// stopping at the first failing check), and must fail on each one. `LG_MUTATION_VERBOSE=1` lists what killed each.
describe("mutation harness", () => {
  it("the catalogue plants at least 40 bugs", () => {
    expect(Object.keys(MUTANTS).length).toBeGreaterThanOrEqual(40);
  });

  it("the correct store passes the whole spec", async () => {
    const failed = (await runSpecOn(undefined, false)).filter((r) => r.status === "failed");
    expect(failed.map((r) => `${r.title}: ${r.error?.message ?? ""}`)).toEqual([]);
  });

  it("the spec kills every planted bug but the named survivors", async () => {
    const outcomes = await runMutants();
    console.log(formatKillRate(outcomes));
    if (process.env.LG_MUTATION_VERBOSE === "1") {
      console.log(outcomes.map((o) => `${o.mutant} ← ${o.killedBy ?? "SURVIVED"}`).join("\n"));
    }
    const survivors = outcomes.filter((o) => o.killedBy === undefined).map((o) => o.mutant);
    expect(survivors.sort()).toEqual((Object.keys(EXPECTED_SURVIVORS) as MutantName[]).sort());
  }, 120_000);
});
