import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Command } from "@lg/core";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { buildAgent } from "../src/agent.js";

const run = promisify(execFile);

describe("the map-reduce agent", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lg-agent-test-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("summarizes every document (retrying a failed call), pauses in the review subgraph and finishes on approval", async () => {
    const store = new SqliteCheckpointStore({ path: join(dir, "a.db") });
    try {
      const agent = buildAgent(store, new Set(["b c d e"]));
      const paused = await agent.invoke({ docs: ["a b c d", "b c d e"] }, { executionId: "r" });
      expect(paused.status).toBe("interrupted");
      expect(paused.interrupts[0]?.node).toBe("review");
      expect(String(paused.interrupts[0]?.value)).toContain("1. a b c…\n2. b c d…");
      const history = await agent.getStateHistory("r");
      expect(
        history.some((s) => (s.metadata.attempts as Record<string, number> | undefined)?.["summarize#1"] === 2),
      ).toBe(true);
      const done = await buildAgent(store).invoke(new Command({ resume: "approve" }), { executionId: "r" });
      expect(done.state).toMatchObject({ verdict: "approve", report: "1. a b c…\n2. b c d…" });
    } finally {
      await store.close();
    }
  });

  it("runs end to end across two processes (the README's command)", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", join(__dirname, "..", "src", "main.ts")], {
      cwd: join(__dirname, ".."),
      timeout: 120_000,
    });
    expect(stdout).toContain("attempt 1 failed: 429 Too Many Requests");
    expect(stdout).toContain("[worker] streamed");
    expect(stdout).toContain("status interrupted");
    expect(stdout).toContain("[human] pending in the subgraph: ask");
    expect(stdout).toContain("status done; verdict approve");
  }, 180_000);
});
