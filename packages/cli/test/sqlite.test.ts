import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { EXIT_CODES } from "../src/index.js";
import { assertBuilt, runBin, tempDir } from "./helpers.js";
import { describeCliOnStore } from "./store-suite.js";

describeCliOnStore("SQLite", async () => {
  const files = tempDir();
  const path = `${files.dir}/checkpoints.db`;
  const store = new SqliteCheckpointStore({ path, tableName: "cli_checkpoints" });
  return {
    url: `sqlite:${path}?table=cli_checkpoints`,
    store,
    async cleanup() {
      await store.close();
      files.remove();
    },
  };
});

describe("lg-checkpoints errors", () => {
  beforeAll(assertBuilt);

  it("exits 3 for a missing SQLite file, without creating it", async () => {
    const files = tempDir();
    try {
      const result = await runBin(["stats", "-s", `sqlite:${files.dir}/typo.db`]);
      expect(result.code).toBe(EXIT_CODES.badUrl);
      expect(result.stderr).toBe(
        `lg-checkpoints: store URL "sqlite:${files.dir}/typo.db": no SQLite database at ${files.dir}/typo.db (check the path)\n`,
      );
    } finally {
      files.remove();
    }
  });

  it("exits 6 for an unknown checkpoint", async () => {
    const files = tempDir();
    const store = new SqliteCheckpointStore({ path: `${files.dir}/c.db` });
    try {
      const missing = await runBin(["show", "nope", "-s", `sqlite:${files.dir}/c.db`]);
      expect([missing.code, missing.stderr]).toEqual([
        EXIT_CODES.notFound,
        "lg-checkpoints: checkpoint not found: nope\n",
      ]);
    } finally {
      await store.close();
      files.remove();
    }
  });

  it("exits 3 for an unknown kind of store or parameter, and when no store is given", async () => {
    const unknown = await runBin(["stats", "-s", "mysql://root:hunter2@db/app"]);
    expect(unknown.code).toBe(EXIT_CODES.badUrl);
    expect(unknown.stderr).toContain('store URL "mysql://root:***@db/app": unknown kind of store "mysql:"');
    expect(unknown.stderr).not.toContain("hunter2");
    const param = await runBin(["stats", "-s", "sqlite:x.db?tabel=t"]);
    expect([param.code, param.stderr]).toEqual([
      EXIT_CODES.badUrl,
      expect.stringContaining("unknown parameter tabel (allowed: table)"),
    ]);
    const none = await runBin(["stats"]);
    expect([none.code, none.stderr]).toEqual([
      EXIT_CODES.badUrl,
      expect.stringContaining("no store given: pass --store <url> or set LG_STORE_URL"),
    ]);
  });

  it("exits 2 for wrong usage", async () => {
    const result = await runBin(["history"]);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toContain("error: missing required argument 'executionId'");
    const bad = await runBin(["prune", "x", "--keep-last", "zero", "-s", "memory:"]);
    expect([bad.code, bad.stderr]).toEqual([
      EXIT_CODES.usage,
      expect.stringContaining('"zero" is not a positive integer'),
    ]);
    const help = await runBin(["--help"]);
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining("Exit codes: 0 ok")]);
  });
});
