import { type CheckpointHeader, type CheckpointStore, type ListOptions } from "@lg/core";
import { checkpointHeader } from "@lg/core/store";
import { createCheckpointChain, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { expectEqual, expectTrue, nth } from "./expect.js";
import type { SpecOptions } from "./options.js";

/** The store's `listHeaders`; fails the check when a store declaring `headerList` has none. */
function listHeadersOf(
  store: CheckpointStore,
): (executionId: string, options?: ListOptions) => Promise<CheckpointHeader[]> {
  const listHeaders = store.listHeaders;
  expectTrue(typeof listHeaders === "function", "a store that declares headerList must have a listHeaders method");
  return (executionId, options) => listHeaders.call(store, executionId, options);
}

const OPTION_CASES: readonly ListOptions[] = [
  {},
  { order: "desc" },
  { limit: 2 },
  { afterVersion: 2 },
  { beforeVersion: 5, order: "desc", limit: 2 },
];

/**
 * `listHeaders` (capability `headerList`): for the same options it hands out what `list` returns, in the same order,
 * without the states — task results (the pauses retention must keep) and metadata included; an unknown execution
 * yields `[]`.
 */
export function listHeadersSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("listHeaders", () => {
    ctx.testNeeding("headerList", "hands out list's checkpoints without their states", async (store) => {
      const chain = createCheckpointChain(uniqueId("headers"), 6, (version) => ({ big: "x".repeat(10_000), version }));
      nth(chain, 3).tasks = {
        nodes: { ask: { resumes: ["yes"] } },
        interrupts: [{ node: "ask", when: "inside", value: { q: new Date(0) } }],
      };
      nth(chain, 4).metadata = { ...nth(chain, 4).metadata, owner: "someone", at: new Date(5) };
      for (const cp of chain) await store.save(cp);
      const executionId = nth(chain, 0).executionId;
      const listHeaders = listHeadersOf(store);
      for (const listOptions of OPTION_CASES) {
        const what = `listHeaders(${JSON.stringify(listOptions)})`;
        const headers = await listHeaders(executionId, listOptions);
        const listed = await store.list(executionId, listOptions);
        expectTrue(
          headers.every((h) => !("state" in h)),
          `${what} must leave the states out`,
        );
        expectEqual(
          headers,
          listed.map(checkpointHeader),
          `${what} must hand out list's checkpoints without their states`,
        );
      }
    });

    ctx.testNeeding("headerList", "an unknown execution yields []", async (store) => {
      expectEqual(await listHeadersOf(store)(uniqueId("headers-none")), [], "listHeaders of an unknown execution");
    });
  });
}
