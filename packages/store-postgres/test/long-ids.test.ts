import { randomBytes } from "node:crypto";
import { CheckpointConflictError, InvalidArgumentError } from "@lg/core";
import { compareCodePoints } from "@lg/core/store";
import { createCheckpointChain, createTestCheckpoint } from "@lg/store-testkit";
import { PostgresCheckpointStore } from "../src/index.js";
import { createHashPartitionedTable, useServer, useTestStore } from "./helpers.js";

const KB = 1024;

/** An id of exactly `bytes` characters (ASCII) after `label`: random hex, so no compression can shrink it. */
function longId(label: string, bytes: number): string {
  return `${label}-${randomBytes(bytes).toString("hex")}`.slice(0, bytes);
}

// A plain btree index entry holds at most 2 704 bytes: ids of 3 KB used to fail with SQLSTATE 54000.
describe.each([
  ["3 KB", 3 * KB],
  ["64 KB", 64 * KB],
])("ids of %s", (_label, bytes) => {
  const t = useTestStore();

  it("save, load, latest, list, prune, delete and clear an execution whose ids are that long", async () => {
    const executionId = longId("exec", bytes);
    const chain = createCheckpointChain(executionId, 5).map((cp) => ({ ...cp, id: longId(`cp${cp.version}`, bytes) }));
    for (const cp of chain) await t.store.save(cp);
    for (const cp of chain) expect(await t.store.load(cp.id)).toEqual(cp);
    expect(await t.store.latest(executionId)).toEqual(chain[4]);
    expect((await t.store.list(executionId)).map((cp) => cp.id)).toEqual(chain.map((cp) => cp.id));
    expect((await t.store.list(executionId, { order: "desc", limit: 2 })).map((cp) => cp.version)).toEqual([5, 4]);
    expect(await t.store.prune(executionId, { keepLast: 3, protect: [chain[0]?.id as string] })).toBe(1);
    expect((await t.store.list(executionId)).map((cp) => cp.version)).toEqual([1, 3, 4, 5]);
    await t.store.delete(chain[2]?.id as string);
    expect(await t.store.load(chain[2]?.id as string)).toBeUndefined();
    expect((await t.store.list(executionId)).map((cp) => cp.version)).toEqual([1, 4, 5]);
    await t.store.clear(executionId);
    expect(await t.store.list(executionId)).toEqual([]);
    expect(await t.store.latest(executionId)).toBeUndefined();
  });

  it("decides conflicts on long ids, and treats an identical re-save as a no-op", async () => {
    const executionId = longId("conflict", bytes);
    const first = createTestCheckpoint({ executionId, version: 1, id: longId("first", bytes) });
    await t.store.save(first);
    await t.store.save({ ...first, state: { ...(first.state as object) } });
    await expect(t.store.save(createTestCheckpoint({ executionId, version: 1 }))).rejects.toBeInstanceOf(
      CheckpointConflictError,
    );
    // The same long id in another execution, and the same id with other content.
    await expect(t.store.save({ ...first, executionId: longId("other", bytes) })).rejects.toBeInstanceOf(
      CheckpointConflictError,
    );
    await expect(t.store.save({ ...first, state: { changed: true } })).rejects.toBeInstanceOf(CheckpointConflictError);
    expect(await t.store.list(executionId)).toEqual([first]);
  });

  it("keeps ids apart that share their first 512 characters (or more)", async () => {
    const shared = longId("shared", 2000);
    const [a, b] = [`${shared}${longId("a", bytes - 2000)}`, `${shared}${longId("b", bytes - 2000)}`];
    const ofA = createTestCheckpoint({ executionId: a, version: 1, id: `${a}#cp` });
    const ofB = createTestCheckpoint({ executionId: b, version: 1, id: `${b}#cp` });
    await t.store.save(ofA);
    await t.store.save(ofB); // the same version of another execution is no conflict
    expect(await t.store.latest(a)).toEqual(ofA);
    expect(await t.store.list(b)).toEqual([ofB]);
    expect(await t.store.load(ofB.id)).toEqual(ofB);
    expect(await t.store.load(`${shared}#cp`)).toBeUndefined();
    expect(await t.store.latest(shared)).toBeUndefined();
    await t.store.clear(a);
    expect(await t.store.list(a)).toEqual([]);
    expect(await t.store.list(b)).toEqual([ofB]);
  });
});

describe("ids around the key prefix (512 characters, 512 bytes)", () => {
  const t = useTestStore();

  // Either side of 512 characters, and of 512 UTF-8 bytes, where the store switches statement forms: short ids
  // with multi-byte characters take the general form, and must find the rows the short form wrote, and back.
  const boundary = [
    "x".repeat(512),
    "x".repeat(513),
    "\u00e9".repeat(256),
    "\u00e9".repeat(257),
    "\u20ac".repeat(512),
    "\u20ac".repeat(513),
    "\u{1F600}".repeat(128),
    "\u{1F600}".repeat(129),
  ];

  it.each(boundary.map((id) => [`${id.length} UTF-16 units, ${Buffer.byteLength(id)} bytes`, id]))(
    "stores and finds an id of %s",
    async (_label, id) => {
      const chain = createCheckpointChain(id, 3).map((cp) => ({ ...cp, id: `${id}${cp.version}` }));
      for (const cp of chain) await t.store.save(cp);
      expect(await t.store.load(chain[1]?.id as string)).toEqual(chain[1]);
      expect(await t.store.load(id)).toBeUndefined();
      expect(await t.store.latest(id)).toEqual(chain[2]);
      expect(await t.store.latest(`${id}!`)).toBeUndefined();
      expect(await t.store.list(id, { order: "desc" })).toEqual([...chain].reverse());
      await expect(t.store.save(createTestCheckpoint({ executionId: id, version: 2 }))).rejects.toBeInstanceOf(
        CheckpointConflictError,
      );
      expect(await t.store.prune(id, { keepLast: 2 })).toBe(1);
      await t.store.delete(chain[1]?.id as string);
      expect((await t.store.list(id)).map((cp) => cp.version)).toEqual([3]);
    },
  );

  it("lists them all in code point order", async () => {
    const page = await t.store.listExecutions({ limit: 100 });
    expect(page.executions.map((e) => e.executionId)).toEqual([...boundary].sort(compareCodePoints));
    for (const id of boundary) await t.store.clear(id);
    expect(await t.store.listExecutions()).toEqual({ executions: [] });
  });
});

describe("listExecutions with ids of any length", () => {
  const t = useTestStore();

  it("pages through short and long execution ids in code point order", async () => {
    const prefix512 = "p".repeat(511) + "q"; // exactly the key's prefix length
    const ids = [
      "a",
      "b",
      "b\u{1F600}",
      "\uFFFF-bmp",
      prefix512,
      `${prefix512}${longId("z", 3 * KB)}`,
      `${prefix512}${longId("a", 64 * KB)}`,
      `${prefix512}${longId("a", 3 * KB)}`,
      `${prefix512}\u00e9${longId("e", 3 * KB)}`,
      `${"p".repeat(511)}r`,
      `${"p".repeat(600)}`,
      "p",
      longId("m", 64 * KB),
    ];
    for (const [i, executionId] of ids.entries()) {
      await t.store.save(createTestCheckpoint({ executionId, version: 1 }));
      await t.store.save(createTestCheckpoint({ executionId, version: 2 + i }));
    }
    const expected = [...ids].sort(compareCodePoints);
    for (const limit of [1, 2, 5, 100]) {
      const seen: string[] = [];
      const versions: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await t.store.listExecutions(cursor === undefined ? { limit } : { limit, cursor });
        seen.push(...page.executions.map((e) => e.executionId));
        versions.push(...page.executions.map((e) => e.latestVersion));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      expect(seen).toEqual(expected);
      expect(versions).toEqual(expected.map((id) => 2 + ids.indexOf(id)));
    }
    // A cursor that is no stored id, in the middle of the long ids sharing a prefix.
    const after = await t.store.listExecutions({ cursor: `${prefix512}b`, limit: 3 });
    expect(after.executions.map((e) => e.executionId)).toEqual(
      expected.filter((id) => compareCodePoints(id, `${prefix512}b`) > 0).slice(0, 3),
    );
  });
});

describe("a partitioned table", () => {
  const server = useServer("lglongpart");

  it("keeps its own keys, and refuses ids they cannot hold with InvalidArgumentError naming the limit", async () => {
    const schema = server.freshSchema();
    await createHashPartitionedTable(server.admin, schema, 1);
    const store = await PostgresCheckpointStore.connect({ connString: server.url, schema });
    try {
      const executionId = longId("part", 1000);
      await store.save(createTestCheckpoint({ executionId, version: 1 }));
      expect((await store.latest(executionId))?.version).toBe(1);
      const error = await store.save(createTestCheckpoint({ executionId: longId("part", 3 * KB), version: 1 })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(/54000.*partitioned table.*2 700 bytes/s);
    } finally {
      await store.close();
    }
  });
});
