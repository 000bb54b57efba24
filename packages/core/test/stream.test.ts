import { type StreamEvent } from "../src/index.js";
import { pipeline, type PipelineState } from "./support/graphs.js";
import { MapStore } from "./support/map-store.js";

describe("stream", () => {
  it("yields checkpoint and step events in order, then done", async () => {
    const store = new MapStore();
    const events: StreamEvent<PipelineState>[] = [];
    for await (const event of pipeline({ checkpoint: { store } }).stream({}, { executionId: "s" })) events.push(event);
    expect(
      events.map((e) => (e.type === "checkpoint" ? `cp${e.version}` : e.type === "step" ? `step${e.step}` : e.type)),
    ).toEqual(["cp1", "step1", "cp2", "step2", "cp3", "step3", "cp4", "done"]);
    const last = events[events.length - 1];
    expect(last?.type === "done" && last.result.state.count).toBe(3);
  });
});
