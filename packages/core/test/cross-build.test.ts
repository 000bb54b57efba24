import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const dist = join(__dirname, "..", "dist");

describe("one identity across the ESM and the CommonJS build", () => {
  it("interrupt, resume and a conflict work when both builds are loaded in one process", async () => {
    if (!existsSync(join(dist, "index.js")) || !existsSync(join(dist, "index.cjs"))) {
      throw new Error("build @lg/core first (pnpm --filter @lg/core build): this test loads both of its builds");
    }
    const { stdout } = await run(process.execPath, [join(__dirname, "fixtures", "cross-build.mjs")], {
      timeout: 60_000,
    });
    const findings = JSON.parse(stdout) as Record<string, unknown>;
    expect(findings.paused).toEqual({
      status: "interrupted",
      interrupts: [{ node: "ask", when: "inside", value: "approve?" }],
    });
    expect(findings.done).toEqual({ status: "done", state: { answer: "yes" } });
    expect(findings.conflict).toEqual({
      code: "LG_CHECKPOINT_CONFLICT",
      esmInstance: true,
      cjsInstance: true,
      notSaveError: true,
      isLgError: true,
    });
    expect(findings.interruptAcross).toBe(true);
  });
});
