import { randomBytes } from "node:crypto";
import { CheckpointConflictError, StoreUnavailableError, type Checkpoint, type TaskResults } from "@lg/core";
import { createTestCheckpoint } from "@lg/store-testkit";
import { PostgresCheckpointStore } from "../src/index.js";
import { runMigrations } from "../src/migrations.js";
import { resolveOptions } from "../src/options.js";
import {
  RELEASE_0_1_COLUMNS,
  RELEASE_0_1_MIGRATIONS,
  release01Execution,
  release01Insert,
  release01Params,
} from "./fixtures/release-0.1.js";
import { useServer } from "./helpers.js";

const tasks = (): TaskResults => ({
  nodes: { draft: { writes: { drafts: ["v2"], at: new Date(Date.UTC(2025, 2, 3)) } }, review: { resumes: ["yes"] } },
  interrupts: [{ node: "review", when: "inside", value: { question: "Ship it?" } }],
  updateKeys: ["k1"],
  anchorId: "anchor",
});

describe("a table written by release 0.1.0", () => {
  const server = useServer("lgupgrade");

  /** A schema holding release 0.1.0's table with `rows` inserted as that release inserted them. */
  async function release01Table(rows: Checkpoint[]): Promise<string> {
    const schema = server.freshSchema();
    const o = resolveOptions({ connString: server.url, schema });
    expect(await runMigrations(server.admin, o, RELEASE_0_1_MIGRATIONS)).toEqual({ applied: [1] });
    for (const cp of rows) await server.admin.unsafe(release01Insert(o.qualifiedTable), release01Params(cp));
    return schema;
  }

  // Migration 4 widens version to BIGINT (which the driver reads as text): compare the value, not its type.
  const rowsOf = async (schema: string) =>
    (await server.admin.unsafe(`SELECT ${RELEASE_0_1_COLUMNS} FROM "${schema}".checkpoints ORDER BY version`)).map(
      (row) => ({ ...row, version: Number(row.version) }),
    );

  it("could not hold a 3 KB id (the bug the key migration fixes)", async () => {
    const schema = await release01Table([]);
    const o = resolveOptions({ connString: server.url, schema });
    const cp = createTestCheckpoint({ executionId: "e", version: 1, id: randomBytes(1536).toString("hex") });
    await expect(server.admin.unsafe(release01Insert(o.qualifiedTable), release01Params(cp))).rejects.toMatchObject({
      code: "54000",
    });
  });

  it("is migrated by setup() and its rows load unchanged, without task results", async () => {
    const old = release01Execution();
    const schema = await release01Table(old);
    const before = await rowsOf(schema);
    const store = new PostgresCheckpointStore({ connString: server.url, schema });
    try {
      // Before setup(), the new statements name a column the table lacks: a typed error that says what to do.
      const early = await store.load(old[0]?.id as string).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(early).toBeInstanceOf(StoreUnavailableError);
      expect((early as Error).message).toMatch(/lacks a column.*run `await store\.setup\(\)`/s);

      expect(await store.setup()).toEqual({ applied: [2, 3, 4, 5, 6] });
      expect(await rowsOf(schema)).toEqual(before);
      const [nulls] = await server.admin.unsafe(
        `SELECT count(*)::int AS n FROM "${schema}".checkpoints WHERE tasks IS NULL`,
      );
      expect(nulls?.n).toBe(3);

      for (const cp of old) {
        const loaded = await store.load(cp.id);
        expect(loaded).toEqual(cp);
        expect(loaded !== undefined && "tasks" in loaded).toBe(false);
      }
      const paused = old[2] as Checkpoint;
      expect(await store.latest(paused.executionId)).toEqual(paused);
      expect((await store.latest(paused.executionId))?.metadata.interrupts).toEqual(paused.metadata.interrupts);
      expect(await store.list(paused.executionId)).toEqual(old);
    } finally {
      await store.close();
    }
  });

  it("takes new checkpoints with task results after the upgrade, and ids of any length", async () => {
    const old = release01Execution();
    const schema = await release01Table(old);
    const store = await PostgresCheckpointStore.connect({ connString: server.url, schema });
    try {
      const paused = old[2] as Checkpoint;
      const resumed: Checkpoint = {
        ...createTestCheckpoint({ executionId: paused.executionId, version: 4, parentId: paused.id }),
        tasks: tasks(),
      };
      await store.save(resumed);
      expect(await store.load(resumed.id)).toEqual(resumed);
      expect(await store.latest(paused.executionId)).toEqual(resumed);
      expect((await store.list(paused.executionId)).map((cp) => cp.tasks)).toEqual([
        undefined,
        undefined,
        undefined,
        tasks(),
      ]);
      await store.save({ ...resumed, tasks: tasks() }); // identical re-save: a no-op
      await expect(store.save({ ...resumed, tasks: { ...tasks(), updateKeys: ["k2"] } })).rejects.toBeInstanceOf(
        CheckpointConflictError,
      );
      await expect(store.save({ ...resumed, tasks: undefined })).rejects.toBeInstanceOf(CheckpointConflictError);

      const longExecution = `${paused.executionId}-${randomBytes(2048).toString("hex")}`;
      const long = createTestCheckpoint({ executionId: longExecution, version: 1, id: `${longExecution}#1` });
      await store.save(long);
      expect(await store.latest(longExecution)).toEqual(long);
      const page = await store.listExecutions();
      expect(page.executions.map((e) => e.executionId)).toEqual([paused.executionId, longExecution]);
    } finally {
      await store.close();
    }
  });

  it("is migrated once when five processes open it at the same time", async () => {
    const old = release01Execution();
    const schema = await release01Table(old);
    const stores = Array.from(
      { length: 5 },
      () => new PostgresCheckpointStore({ connString: server.url, schema, poolSize: 2 }),
    );
    try {
      const results = await Promise.all(stores.map((store) => store.setup()));
      expect(results.flatMap((r) => r.applied).sort()).toEqual([2, 3, 4, 5, 6]);
      for (const store of stores) expect(await store.latest(old[0]?.executionId as string)).toEqual(old[2]);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});
