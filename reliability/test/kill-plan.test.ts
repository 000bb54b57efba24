import { FINAL_VERSION } from "../src/kill/graph.js";
import { armPoint, KILL_KINDS, planKills, type PlannedKill } from "../src/kill/points.js";
import { resolveSeed, seededRandom } from "../src/kill/prng.js";
import { resolveKillSettings } from "../src/kill/settings.js";

/** The kill plan: reproducible from its seed, every kind dealt, spans covering the run, points armed within reach. */

function kill(overrides: Partial<PlannedKill>): PlannedKill {
  return { kind: "node", from: 1, to: 9, fraction: 0, timing: "sync", delayMs: 1, ...overrides };
}

describe("kill plan", () => {
  it("is the same for the same seed and differs for another", () => {
    const plan = (seed: number) => planKills(seededRandom(seed), 4, 6);
    expect(plan(42)).toEqual(plan(42));
    expect(plan(42)).not.toEqual(plan(43));
  });

  it("deals every kind evenly and cuts each execution into spans covering versions 1..51 in order", () => {
    const plans = planKills(seededRandom(7), 4, 6);
    const counts = KILL_KINDS.map((kind) => plans.flat().filter((k) => k.kind === kind).length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    for (const plan of plans) {
      expect(plan.map((k) => [k.from, k.to])).toEqual([
        [1, 8],
        [9, 17],
        [18, 25],
        [26, 34],
        [35, 42],
        [43, 51],
      ]);
    }
  });

  it("arms a point inside its span, past what is stored, or nothing once the execution is finished", () => {
    expect(armPoint(kill({ kind: "before-save", from: 9, to: 17, fraction: 0.5 }), 0)).toEqual({
      kind: "before-save",
      at: 13,
    });
    // Already past the span: the first version not stored yet.
    expect(armPoint(kill({ kind: "after-save", from: 9, to: 17, fraction: 0.9 }), 20)).toEqual({
      kind: "after-save",
      at: 21,
    });
    // A node kill needs a step: version 2 at the earliest.
    expect(armPoint(kill({ kind: "node", from: 1, to: 8 }), 0)).toEqual({ kind: "node", at: 2 });
    expect(
      armPoint(kill({ kind: "inside-save", from: 43, to: 51, fraction: 0.99, timing: "timer", delayMs: 2 }), 10),
    ).toEqual({
      kind: "inside-save",
      at: 51,
      timing: "timer",
      delayMs: 2,
    });
    expect(armPoint(kill({ kind: "before-save", from: 43, to: 51 }), FINAL_VERSION)).toBeUndefined();
  });

  it("holds a wall-clock child before the save after its span, and before the last save in the last span", () => {
    expect(armPoint(kill({ kind: "wall-clock", from: 9, to: 17 }), 3)).toEqual({ kind: "wall-clock", at: 18 });
    expect(armPoint(kill({ kind: "wall-clock", from: 43, to: 51 }), 44)).toEqual({
      kind: "wall-clock",
      at: FINAL_VERSION,
    });
    expect(armPoint(kill({ kind: "wall-clock", from: 9, to: 17 }), 30)).toEqual({ kind: "wall-clock", at: 31 });
  });
});

describe("kill suite settings", () => {
  it("take the seed and counts from the environment and refuse values that plan fewer than 20 kills", () => {
    expect(resolveKillSettings({ LG_RELIABILITY_SEED: "12" })).toEqual({
      seed: 12,
      executions: 4,
      killsPerExecution: 6,
    });
    expect(resolveSeed({})).toBeGreaterThanOrEqual(0);
    expect(() => resolveSeed({ LG_RELIABILITY_SEED: "-1" })).toThrow(
      expect.objectContaining({ code: "LG_INVALID_ARGUMENT" }),
    );
    expect(() =>
      resolveKillSettings({ LG_RELIABILITY_KILL_EXECUTIONS: "2", LG_RELIABILITY_KILLS_PER_EXECUTION: "5" }),
    ).toThrow(/at least 20 kills/);
  });
});
