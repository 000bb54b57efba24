import { type Checkpoint } from "@lg/core";
import { deserializeCheckpoint, serializeCheckpoint } from "@lg/core/store";
import { createTestCheckpoint } from "@lg/store-testkit";
import { statementLoggingStore, useAdminClient, useTestStore } from "./helpers.js";

/**
 * `listSerialized` reads a page of full rows with a plain statement (the server splices each checkpoint's text) and
 * hands anything else to the chain statement: both must give what `list` gives.
 */

let serial = 0;
const exec = (label: string): string => `${label}-${process.pid}-${++serial}`;

const isChainRead = (text: string): boolean => text.startsWith("WITH RECURSIVE");

describe("listSerialized", () => {
  const t = useTestStore();
  const admin = useAdminClient();

  /** The execution's checkpoints through listSerialized, decoded, and the statements that read them. */
  async function readBoth(executionId: string, limit?: number): Promise<{ decoded: Checkpoint[]; reads: string[] }> {
    const statements: string[] = [];
    const store = statementLoggingStore(t, statements);
    try {
      const options = limit === undefined ? {} : { limit };
      const serialized = await store.listSerialized(executionId, options);
      const reads = statements.filter((s) => s.includes(`"${t.schema}"`));
      expect(serialized.map((s) => [s.id, s.version])).toEqual(
        (await store.list(executionId, options)).map((cp) => [cp.id, cp.version]),
      );
      return { decoded: serialized.map((s) => deserializeCheckpoint(s.text)), reads };
    } finally {
      await store.close();
    }
  }

  it("reads a page of full rows with the plain statement, each text as the serializer lays it out", async () => {
    const executionId = exec("plain");
    const saved = Array.from({ length: 4 }, (_, i) =>
      createTestCheckpoint({
        executionId,
        version: i + 1,
        state: {
          when: new Date(Date.UTC(2025, 0, i + 1)),
          tags: new Set(["a", `é${i}`]),
          n: BigInt(i),
          quote: 'say "hi"\n',
        },
        metadata: { source: "loop", step: i + 1, writes: { node: { x: 1 } } },
        ...(i === 3 ? { tasks: { nodes: { review: { writes: { ok: true } } }, interrupts: [] } } : {}),
      }),
    );
    for (const cp of saved) await t.store.save(cp);
    const { decoded, reads } = await readBoth(executionId);
    expect(decoded).toEqual(await t.store.list(executionId));
    expect(reads).toHaveLength(1);
    expect(isChainRead(reads[0] as string)).toBe(false);
    // The server's splicing gives the text the client's did: the serializer's layout around JSONB's own text.
    const [first] = await t.store.listSerialized(executionId, { limit: 1 });
    const reencoded = JSON.parse(serializeCheckpoint(saved[0] as Checkpoint)) as Record<string, unknown>;
    expect(Object.keys(JSON.parse(first?.text as string) as object)).toEqual(Object.keys(reencoded));
  });

  it("refuses a time of 'infinity' as list does, with CheckpointCorruptError naming the checkpoint", async () => {
    const executionId = exec("infinity");
    const cp = createTestCheckpoint({ executionId, version: 1 });
    await t.store.save(cp);
    await admin.sql.unsafe(`UPDATE "${t.schema}".checkpoints SET "timestamp" = 'infinity' WHERE id = $1`, [cp.id]);
    for (const read of [() => t.store.list(executionId), () => t.store.listSerialized(executionId)]) {
      await expect(read()).rejects.toMatchObject({ code: "LG_CHECKPOINT_CORRUPT", checkpointId: cp.id });
    }
  });

  // Incremental rows take the chain statement too: see incremental.test.ts ("exports delta rows whole").
  it("sends a page to the chain statement when a row wraps a value JSONB cannot hold, is a tagged value or has odd metadata", async () => {
    const cases: [label: string, write: (executionId: string) => Promise<void>][] = [
      [
        "a value JSONB cannot hold (U+0000), stored wrapped",
        async (executionId) => {
          await t.store.save(createTestCheckpoint({ executionId, version: 1, state: { text: "a\u0000b" } }));
        },
      ],
      [
        "a state that is itself a tagged value",
        async (executionId) => {
          await t.store.save(createTestCheckpoint({ executionId, version: 1, state: new Map([["k", 1]]) as never }));
        },
      ],
      [
        "metadata that is not an object",
        async (executionId) => {
          await t.store.save(createTestCheckpoint({ executionId, version: 1 }));
          await admin.sql.unsafe(`UPDATE "${t.schema}".checkpoints SET metadata = '42' WHERE execution_id = $1`, [
            executionId,
          ]);
        },
      ],
    ];
    for (const [label, write] of cases) {
      const executionId = exec("other");
      await write(executionId);
      await t.store.save(createTestCheckpoint({ executionId, version: 2, state: { plain: true } }));
      const listed = await t.store.list(executionId).catch((error: unknown) => error);
      const statements: string[] = [];
      const store = statementLoggingStore(t, statements);
      try {
        const serialized = await store.listSerialized(executionId).catch((error: unknown) => error);
        expect([label, statements.filter(isChainRead)]).toEqual([label, [expect.any(String)]]);
        if (Array.isArray(listed)) {
          expect((serialized as { text: string }[]).map((s) => deserializeCheckpoint(s.text))).toEqual(listed);
        } else {
          // What list refuses, listSerialized hands out as text that decoding refuses the same way (or refuses itself).
          const failed = Array.isArray(serialized)
            ? (() => {
                try {
                  (serialized as { text: string }[]).forEach((s) => deserializeCheckpoint(s.text));
                  return undefined;
                } catch (error) {
                  return error;
                }
              })()
            : serialized;
          expect(failed).toMatchObject({ code: "LG_CHECKPOINT_CORRUPT" });
        }
      } finally {
        await store.close();
      }
    }
  });
});
