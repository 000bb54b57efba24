import { InvalidArgumentError, type CheckpointStore } from "@lg/core";
import { createTestCheckpoint, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { call, expectCheckpoint, expectErrorIs, expectTrue, expectVersions, idsOf } from "./expect.js";
import type { SpecOptions } from "./options.js";

function ofLength(prefix: string, length: number): string {
  return (prefix + "x".repeat(length)).slice(0, length);
}

/** Id shapes that break naive SQL, LIKE patterns, Redis key schemes, globs and file names. */
const ID_KINDS: { title: string; make: (random: string) => string }[] = [
  {
    title: "Unicode (accents, CJK, emoji, RTL, combining marks)",
    make: (r) => `exé-漢字-🚀👩‍👧-\u05d0\u05d1-e\u0301-${r}`,
  },
  { title: "quotes and SQL fragments", make: (r) => `q'"\`-'); DROP TABLE checkpoints; --${r}` },
  { title: "% and _ (LIKE wildcards)", make: (r) => `%_p%${r}_%` },
  { title: "* ? [ ] { } (glob and SCAN patterns)", make: (r) => `*g?[ab]{c}\\*-${r}*` },
  { title: ": / \\ . .. (key and path separators)", make: (r) => `a:b/c\\d:../..:${r}::` },
  { title: "leading, trailing and inner whitespace", make: (r) => ` sp ${r}\t\n ` },
  { title: "1 KB length", make: (r) => ofLength(`long-${r}-`, 1024) },
];

const INVALID = { type: InvalidArgumentError, code: "LG_INVALID_ARGUMENT" } as const;

/**
 * Runs a read with an id no backend can store: it must find nothing (`undefined`, `[]`, no effect) or reject with
 * `InvalidArgumentError`; it must never reach the checkpoint whose id is its U+FFFD twin. Returns the value, or
 * `undefined` after an accepted rejection.
 */
async function readWithUnstorableId<T>(what: string, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call(what, read);
  } catch (error) {
    expectErrorIs(error, INVALID, what);
    return undefined;
  }
}

/**
 * Ids and execution ids: for each awkward shape (Unicode, quotes, `%`, `_`, `*`, `?`, `[`, `:`, `/`, `\`,
 * whitespace, 1 KB) save/load/list/latest/delete/clear round-trip; wildcard characters are matched literally,
 * so listing or clearing `run*` never touches `run-1`; an id with a lone surrogate (which a UTF-8 driver turns into
 * U+FFFD) finds nothing and deletes nothing, never its `\uFFFD` twin.
 */
export function idsSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("ids", () => {
    for (const kind of ID_KINDS) {
      ctx.test(`ids and execution ids with ${kind.title} round-trip`, async (store) => {
        const executionId = kind.make(uniqueId("exec"));
        const first = createTestCheckpoint({ executionId, version: 1, id: kind.make(uniqueId("cp")) });
        const second = createTestCheckpoint({
          executionId,
          version: 2,
          id: kind.make(uniqueId("cp")),
          parentId: first.id,
        });
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

    ctx.test("an id with a lone surrogate never reaches its U+FFFD twin", async (store) => {
      const executionId = `${uniqueId("exec")}-\uFFFD`;
      const cp = createTestCheckpoint({ executionId, version: 1, id: `${uniqueId("cp")}-\uFFFD` });
      await store.save(cp);
      const lone = (id: string): string => `${id.slice(0, -1)}\uD800`;
      const loaded = await readWithUnstorableId("load(id with a lone surrogate)", () => store.load(lone(cp.id)));
      expectTrue(
        loaded === undefined,
        `load(${JSON.stringify(lone(cp.id))}) found the checkpoint ${JSON.stringify(cp.id)}; a driver replaced the lone surrogate with U+FFFD (check ids with isStorableId before reading)`,
      );
      const latest = await readWithUnstorableId("latest(execution id with a lone surrogate)", () =>
        store.latest(lone(executionId)),
      );
      expectTrue(
        latest === undefined,
        `latest(${JSON.stringify(lone(executionId))}) found the execution ${JSON.stringify(executionId)}`,
      );
      const listed = await readWithUnstorableId("list(execution id with a lone surrogate)", () =>
        store.list(lone(executionId)),
      );
      expectTrue(
        listed === undefined || listed.length === 0,
        `list(${JSON.stringify(lone(executionId))}) listed the execution ${JSON.stringify(executionId)}`,
      );
      await readWithUnstorableId("delete(id with a lone surrogate)", () => store.delete(lone(cp.id)));
      await readWithUnstorableId("clear(execution id with a lone surrogate)", () => store.clear(lone(executionId)));
      expectCheckpoint(
        await store.load(cp.id),
        cp,
        "deleting or clearing a lone-surrogate id must leave its U+FFFD twin",
      );
    });
  });
}
