import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const POSTGRES = process.env.POSTGRES_CONN_STRING ?? "postgres://postgres@127.0.0.1:5432/test";

/** Runs `pnpm start` (src/main.ts) with `args`, its data folder a new temporary one; returns what it printed. */
async function start(args: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "lg-workers-example-"));
  try {
    const main = resolve(__dirname, "../src/main.ts");
    const { stdout } = await run(process.execPath, ["--import", "tsx", main, ...args], {
      cwd: resolve(__dirname, ".."),
      env: { ...process.env, WORKERS_EXAMPLE_DIR: dir, LG_STORE_URL: undefined },
    });
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function expectTakeover(stdout: string): void {
  const killed = /in the middle of "charge" of (\S+), after the card was charged/.exec(stdout)?.[1];
  expect(killed).toBeDefined();
  // Every order ends, each card charged once.
  expect(stdout.match(/: done, receipt rcpt-\w+, parcel-\S+; .*; card charged 1x/g)).toHaveLength(4);
  expect(stdout).toContain("cards charged (exactly once, inside ctx.step): 4 for 4 orders");
  // The killed worker's charge step was committed by B, which got A's recorded receipt back instead of charging.
  const line = stdout.split("\n").find((l) => l.startsWith(`${killed}: done`));
  expect(line).toMatch(/charge@B .*card charged 1x \(by A\)/);
  expect(stdout).toContain(`[B] ${killed}: card charged before, not again`);
  expect(stdout).toMatch(new RegExp(`node code run again after the kill .*${killed} charge on A then B`));
}

describe("pnpm start (two worker processes, one killed mid-way)", () => {
  it("on SQLite: B takes A's orders over and no card is charged twice", async () => {
    expectTakeover(await start([]));
  }, 120_000);

  it("on PostgreSQL (--store): the same", async () => {
    expectTakeover(await start(["--store", POSTGRES]));
  }, 120_000);
});
