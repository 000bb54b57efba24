import type { CheckpointStore } from "@lg/core";
import { createTestCheckpoint, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { expectCheckpoint, expectTrue, expectVersions, idsOf } from "./expect.js";
import type { SpecOptions } from "./options.js";

function ofLength(prefix: string, length: number): string {
  return (prefix + "x".repeat(length)).slice(0, length);
}

/** Id shapes that break naive SQL, LIKE patterns, Redis key schemes, globs and file names. */
const ID_KINDS: { title: string; make: (random: string) => string }[] = [
  { title: "Unicode (accents, CJK, emoji, RTL, combining marks)", make: (r) => `exé-漢字-🚀👩‍👧-\u05d0\u05d1-e\u0301-${r}` },
  { title: "quotes and SQL fragments", make: (r) => `q'"\`-'); DROP TABLE checkpoints; --${r}` },
  { title: "% and _ (LIKE wildcards)", make: (r) => `%_p%${r}_%` },
  { title: "* ? [ ] { } (glob and SCAN patterns)", make: (r) => `*g?[ab]{c}\\*-${r}*` },
  { title: ": / \\ . .. (key and path separators)", make: (r) => `a:b/c\\d:../..:${r}::` },
  { title: "leading, trailing and inner whitespace", make: (r) => ` sp ${r}\t\n ` },
  { title: "1 KB length", make: (r) => ofLength(`long-${r}-`, 1024) },
];

/**
 * Ids and execution ids: for each awkward shape (Unicode, quotes, `%`, `_`, `*`, `?`, `[`, `:`, `/`, `\`,
 * whitespace, 1 KB) save/load/list/latest/delete/clear round-trip; wildcard characters are matched literally,
 * so listing or clearing `run*` never touches `run-1`.
 */
export function idsSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("ids", () => {
    for (const kind of ID_KINDS) {
      ctx.test(`ids and execution ids with ${kind.title} round-trip`, async (store) => {
        const executionId = kind.make(uniqueId("exec"));
        const first = createTestCheckpoint({ executionId, version: 1, id: kind.make(uniqueId("cp")) });
        const second = createTestCheckpoint({ executionId, version: 2, id: kind.make(uniqueId("cp")), parentId: first.id });
        await store.save(first);
        await store.save(second);
        expectCheckpoint(await store.load(first.id), first, `load of id ${JSON.stringify(first.id)}`);
        expectCheckpoint(await store.latest(executionId), second, `latest of execution ${JSON.stringify(executionId)}`);
        expectVersions(await store.list(executionId), [1, 2], `list of execution ${JSON.stringify(executionId)}`);
        await store.delete(first.id);
        expectTrue((await store.load(first.id)) === undefined, `delete of id ${JSON.stringify(first.id)}`);
        await store.clear(executionId);
        expectVersions(await store.list(executionId), [], `clear of execution ${JSON.stringify(executionId)}`);
      });
    }

    ctx.test("wildcard characters in execution ids are matched literally", async (store) => {
      const base = uniqueId("wild");
      const patterns = [`${base}*`, `${base}%`, `${base}_`, `${base}?`, `${base}[x]`, `${base}.*`];
      const siblings = [`${base}x`, `${base}xyz`, `${base}`];
      const all = [...patterns, ...siblings];
      const saved = all.map((executionId) => createTestCheckpoint({ executionId, version: 1 }));
      for (const cp of saved) await store.save(cp);
      for (const cp of saved) {
        const listed = await store.list(cp.executionId);
        expectTrue(
          idsOf(listed).join() === cp.id,
          `list(${JSON.stringify(cp.executionId)}) must return only its own checkpoint, got executions ` +
            JSON.stringify(listed.map((c) => c.executionId)),
        );
        expectCheckpoint(await store.latest(cp.executionId), cp, `latest(${JSON.stringify(cp.executionId)})`);
      }
      for (const pattern of patterns) await store.clear(pattern);
      for (const sibling of siblings) {
        expectVersions(
          await store.list(sibling),
          [1],
          `clearing ${patterns.map((p) => JSON.stringify(p)).join(", ")} must leave ${JSON.stringify(sibling)} intact`,
        );
      }
    });

    ctx.test("checkpoint ids are independent of execution ids", async (store) => {
      const shared = uniqueId("same");
      const cp = createTestCheckpoint({ executionId: shared, id: shared, version: 1 });
      await store.save(cp);
      expectCheckpoint(await store.load(shared), cp, "a checkpoint whose id equals its execution id");
      expectCheckpoint(await store.latest(shared), cp, "latest of that execution");
    });
  });
}
