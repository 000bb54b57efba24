import { randomBytes } from "node:crypto";
import { CheckpointConflictError, CheckpointCorruptError, type Checkpoint, type TaskResults } from "@lg/core";
import { createTestCheckpoint } from "@lg/store-testkit";
import { PG_JSON_TAG } from "../src/index.js";
import { useAdminClient, useTestStore } from "./helpers.js";

const exec = (label: string): string => `${label}-${randomBytes(4).toString("hex")}`;

function withTasks(executionId: string, tasks: TaskResults, version = 1): Checkpoint {
  return { ...createTestCheckpoint({ executionId, version }), tasks };
}

describe("the tasks column", () => {
  const t = useTestStore();
  const admin = useAdminClient();

  const rawTasks = async (id: string): Promise<unknown> => {
    const [row] = await admin.sql.unsafe(`SELECT tasks FROM "${t.schema}".checkpoints WHERE id = $1`, [id]);
    return row?.tasks;
  };

  it("stores task results as JSONB of their own, queryable, and NULL when there are none", async () => {
    const executionId = exec("tasks");
    const paused = withTasks(executionId, {
      nodes: { draft: { writes: { text: "v1" } } },
      interrupts: [{ node: "review", when: "inside", value: { question: "ok?" } }],
    });
    const plain = createTestCheckpoint({ executionId, version: 2 });
    await t.store.save(paused);
    await t.store.save(plain);
    const [row] = await admin.sql.unsafe(
      `SELECT tasks->'interrupts'->0->>'node' AS node, tasks->'nodes'->'draft'->'writes'->>'text' AS text,
              metadata ? 'interrupts' AS in_metadata FROM "${t.schema}".checkpoints WHERE id = $1`,
      [paused.id],
    );
    expect(row).toEqual({ node: "review", text: "v1", in_metadata: false });
    expect(await rawTasks(plain.id)).toBeNull();
    expect(await t.store.load(paused.id)).toEqual(paused);
    expect((await t.store.list(executionId)).map((cp) => cp.tasks)).toEqual([paused.tasks, undefined]);
    expect(await t.store.latest(executionId)).toEqual(plain);
  });

  it("keeps task results JSONB cannot hold (U+0000, lone surrogates) in the wrapper, and compares them on re-save", async () => {
    const tasks: TaskResults = {
      nodes: { b: { writes: { s: "x\u0000y" } }, a: { resumes: ["\ud800"] } },
      interrupts: [],
    };
    const cp = withTasks(exec("wrapped"), tasks);
    await t.store.save(cp);
    expect((await rawTasks(cp.id)) as { $lg: string }).toMatchObject({ $lg: PG_JSON_TAG });
    expect(await t.store.load(cp.id)).toEqual(cp);
    // The same content with keys in another order is the same checkpoint; other content is a conflict.
    const reordered: TaskResults = {
      interrupts: [],
      nodes: { a: { resumes: ["\ud800"] }, b: { writes: { s: "x\u0000y" } } },
    };
    await expect(t.store.save({ ...cp, tasks: reordered })).resolves.toBeUndefined();
    await expect(
      t.store.save({ ...cp, tasks: { ...tasks, interrupts: [{ node: "a", when: "before", value: undefined }] } }),
    ).rejects.toBeInstanceOf(CheckpointConflictError);
  });

  it.each([
    ["not an object", `'"paused"'`],
    ["without its nodes", `'{"interrupts": []}'`],
    ["holding a value tag no decoder knows", `'{"nodes": {}, "interrupts": [{"$lg": "no-such-tag", "v": 1}]}'`],
    ["with a malformed wrapper", `'{"$lg": "${PG_JSON_TAG}", "v": 7}'`],
  ])("reports a tasks value %s as CheckpointCorruptError naming the checkpoint", async (_label, value) => {
    const cp = withTasks(exec("corrupt"), { nodes: {}, interrupts: [] });
    await t.store.save(cp);
    await admin.sql.unsafe(`UPDATE "${t.schema}".checkpoints SET tasks = ${value}::jsonb WHERE id = $1`, [cp.id]);
    for (const read of [
      () => t.store.load(cp.id),
      () => t.store.latest(cp.executionId),
      () => t.store.list(cp.executionId),
    ]) {
      const error = await read().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CheckpointCorruptError);
      expect(error).toMatchObject({ checkpointId: cp.id });
    }
  });
});
