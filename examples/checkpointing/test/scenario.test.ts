import { MemoryCheckpointStore } from "@lg/store-memory";
import { runScenario } from "../src/scenario.js";

describe("checkpointing example", () => {
  it("crashes, resumes, pauses for a human, and forks, printing each step", async () => {
    const store = new MemoryCheckpointStore();
    const lines: string[] = [];
    await runScenario(store, "example", { print: (line) => lines.push(line) });
    const text = lines.join("\n");
    expect(text).toContain('crashed: node "step2" failed in execution "example"');
    expect(text).toContain('latest checkpoint: v2 after step1, next ["step2"]');
    expect(text).toContain('paused for a human: "approve a total of 111?"');
    expect(text).toContain('done: approved=true, steps ["step1","step2","step3","review"]');
    expect(text).toContain("fork checkpoint v7, source fork, parent v2");
    expect(text).toContain("fork interrupted then done: total 1110, approved=false");
    expect(text).toContain("the original branch is intact: v6 total 111");
    const versions = (await store.list("example")).map((cp) => cp.version);
    expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});
