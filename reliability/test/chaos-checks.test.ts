import type { Checkpoint } from "@lg/core";
import { checkEffects } from "../src/chaos/checks.js";
import type { EffectCall } from "../src/chaos/effect-log.js";
import { CHAIN_NODES } from "../src/chaos/graph.js";
import { percentile, recoveryLatency } from "../src/chaos/latency.js";

/** One call per node of `executionId` by `worker`, as the side table would hold them. */
function callsOf(executionId: string, worker: string): Map<string, EffectCall[]> {
  return new Map(
    CHAIN_NODES.map((node, i) => [
      `${executionId}\u0000${node}`,
      [{ executionId, node, worker, callId: `${worker}#${i + 1}` }],
    ]),
  );
}

const TRAIL = CHAIN_NODES.map((_, i) => `w1#${i + 1}`);

describe("chaos checks", () => {
  it("pass one recorded call per node", () => {
    expect(checkEffects("e", TRAIL, callsOf("e", "w1"), new Set())).toEqual({ problems: [], repeated: 0 });
  });

  it("fail on a node whose effect was never called, and on a state holding another call than the last", () => {
    const calls = callsOf("e", "w1");
    calls.delete(`e\u0000${CHAIN_NODES[3] as string}`);
    const trail = [...TRAIL];
    trail[5] = "w9#1";
    const { problems } = checkEffects("e", trail, calls, new Set());
    expect(problems).toEqual([
      `e ${CHAIN_NODES[3] as string}: the effect was never called`,
      `e ${CHAIN_NODES[5] as string}: the state holds call w9#1, the last call was w1#6`,
    ]);
  });

  it("count a repeat after a killed worker's unrecorded call, and fail on one whose worker was not killed", () => {
    const node = CHAIN_NODES[2] as string;
    const calls = callsOf("e", "w1");
    calls.set(`e\u0000${node}`, [
      { executionId: "e", node, worker: "w0", callId: "w0#1" },
      ...(calls.get(`e\u0000${node}`) ?? []),
    ]);
    expect(checkEffects("e", TRAIL, calls, new Set(["w0"]))).toEqual({ problems: [], repeated: 1 });
    expect(checkEffects("e", TRAIL, calls, new Set()).problems).toEqual([
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
