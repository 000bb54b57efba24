import type { Checkpoint } from "@lg/core";
import { checkEffects } from "../src/chaos/checks.js";
import type { EffectCall, LandedEffect } from "../src/chaos/effect-log.js";
import { CHAIN_NODES } from "../src/chaos/graph.js";
import { percentile, recoveryLatency } from "../src/chaos/latency.js";

/** One call per node of `executionId` by `worker`, as the side table would hold them. */
function callsOf(executionId: string, worker: string): Map<string, EffectCall[]> {
  return new Map(
    CHAIN_NODES.map((node, i) => [
      `${executionId}\u0000${node}`,
      [{ executionId, node, worker, callId: `${worker}#${i + 1}`, key: `${executionId}/${node}` }],
    ]),
  );
}

/** The effects those calls landed: each node's first call. */
function landedOf(calls: ReadonlyMap<string, readonly EffectCall[]>): Map<string, LandedEffect[]> {
  return new Map(
    [...calls].map(([step, made]) => {
      const first = made[0] as EffectCall;
      return [step, [{ executionId: first.executionId, node: first.node, key: first.key, callId: first.callId }]];
    }),
  );
}

const TRAIL = CHAIN_NODES.map((_, i) => `w1#${i + 1}`);

describe("chaos checks", () => {
  it("pass one landed effect per node, whose call the state holds", () => {
    const calls = callsOf("e", "w1");
    expect(checkEffects("e", TRAIL, calls, landedOf(calls), new Set())).toEqual({ problems: [], repeated: 0 });
  });

  it("fail on a node whose effect was never called, and on a state holding another call than the landed one", () => {
    const calls = callsOf("e", "w1");
    calls.delete(`e\u0000${CHAIN_NODES[3] as string}`);
    const trail = [...TRAIL];
    trail[5] = "w9#1";
    const { problems } = checkEffects("e", trail, calls, landedOf(calls), new Set());
    expect(problems).toEqual([
      `e ${CHAIN_NODES[3] as string}: the effect was never called`,
      `e ${CHAIN_NODES[5] as string}: the state holds call w9#1, the effect landed with w1#6`,
    ]);
  });

  it("fail on an effect that landed twice (under two keys)", () => {
    const node = CHAIN_NODES[1] as string;
    const calls = callsOf("e", "w1");
    const landed = landedOf(calls);
    landed.set(`e\u0000${node}`, [
      { executionId: "e", node, key: "k1", callId: "w1#2" },
      { executionId: "e", node, key: "k2", callId: "w2#1" },
    ]);
    expect(checkEffects("e", TRAIL, calls, landed, new Set()).problems).toEqual([
      `e ${node}: the effect landed 2 times, under keys k1, k2`,
    ]);
  });

  it("count a repeat after a killed worker's unrecorded call, and fail on one whose worker was not killed", () => {
    const node = CHAIN_NODES[2] as string;
    const calls = callsOf("e", "w1");
    const landed = landedOf(calls);
    calls.set(`e\u0000${node}`, [
      { executionId: "e", node, worker: "w0", callId: "w0#1", key: `e/${node}` },
      ...(calls.get(`e\u0000${node}`) ?? []),
    ]);
    expect(checkEffects("e", TRAIL, calls, landed, new Set(["w0"]))).toEqual({ problems: [], repeated: 1 });
    expect(checkEffects("e", TRAIL, calls, landed, new Set()).problems).toEqual([
      `e ${node}: called again after call w0#1, whose worker was not killed`,
    ]);
  });

  it("measure the recovery from a kill to the next checkpoint of each held execution", () => {
    const at = (ms: number): Checkpoint => ({ timestamp: new Date(ms) }) as Checkpoint;
    const histories = new Map([
      ["a", [at(900), at(1_000), at(3_000)]],
      ["b", [at(500), at(2_000)]],
      ["c", [at(800)]],
    ]);
    expect(recoveryLatency([{ at: 1_000, workerId: "w", held: ["a", "b", "c"] }], histories)).toEqual({
      samples: 2,
      withoutNextStep: 1,
      p50Ms: 1_000,
      p99Ms: 2_000,
      maxMs: 2_000,
    });
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([], 99)).toBe(0);
  });
});
