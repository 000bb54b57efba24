import { StoreClosedError, type CheckpointStore, type ExecutionRegistry } from "@lg/core";
import { uniqueId } from "../fixtures.js";
import { call, expectRejects, expectTrue } from "./expect.js";
import { claimOf, INVALID, running, submission } from "./registry-fixtures.js";
import type { RegistryTests } from "./registry-support.js";

const CLOSED = { type: StoreClosedError, code: "LG_STORE_CLOSED" } as const;

/** Calls that pass arguments the contract refuses; each must reject with `InvalidArgumentError`. */
function invalidCalls(
  registry: ExecutionRegistry,
  fence: { executionId: string; token: string },
): [string, () => Promise<unknown>][] {
  const bad = <T>(value: unknown): T => value as T;
  const id = uniqueId("reg-bad");
  return [
    ["enqueue with an empty executionId", () => registry.enqueue(submission(""))],
    ["enqueue with a lone surrogate in executionId", () => registry.enqueue(submission(`${id}\uD800`))],
    ["enqueue without graphName", () => registry.enqueue(submission(id, { graphName: "" }))],
    ["enqueue without graphVersion", () => registry.enqueue(submission(id, { graphVersion: "" }))],
    ["enqueue with a non-string input", () => registry.enqueue(submission(id, { input: bad({ a: 1 }) }))],
    ["enqueue without inputKey", () => registry.enqueue(submission(id, { inputKey: "" }))],
    ["claim without owner", () => registry.claim(claimOf(""))],
    ["claim with graphs not an array", () => registry.claim(claimOf("w", { graphs: bad("spec-graph") }))],
    ["claim with a graph without version", () => registry.claim(claimOf("w", { graphs: [bad({ name: "g" })] }))],
    ["claim with limit 0", () => registry.claim(claimOf("w", { limit: 0 }))],
    ["claim with limit 1.5", () => registry.claim(claimOf("w", { limit: 1.5 }))],
    ["claim with leaseMs 0", () => registry.claim(claimOf("w", { leaseMs: 0 }))],
    ["claim with leaseMs over a day", () => registry.claim(claimOf("w", { leaseMs: 86_400_001 }))],
    ["renew with leaseMs 0", () => registry.renew([fence], 0)],
    ["renew with a fence without token", () => registry.renew([{ ...fence, token: "" }], 1000)],
    ["release to running", () => registry.release(fence, { status: bad("running") })],
    ["release to an unknown status", () => registry.release(fence, { status: bad("finished") })],
    ["release with a non-string error", () => registry.release(fence, { status: "failed", error: bad(42) })],
    [
      "release with a fence without executionId",
      () => registry.release({ ...fence, executionId: "" }, { status: "done" }),
    ],
    ["list with an unknown status", () => registry.list({ status: bad("finished") })],
    ["list with limit 0", () => registry.list({ limit: 0 })],
    ["list with a non-string cursor", () => registry.list({ cursor: bad(7) })],
  ];
}

/**
 * Arguments and lifecycle: malformed arguments reject with `InvalidArgumentError` and change nothing; after the
 * store's `close`, every registry call rejects with `StoreClosedError`.
 */
export function registryArgumentsSpec<S extends CheckpointStore>(tests: RegistryTests<S>): void {
  tests.ctx.suite("registry arguments and close", () => {
    tests.test("malformed arguments reject with InvalidArgumentError", async (_store, registry) => {
      const lease = await running(registry, uniqueId("reg-args"));
      for (const [what, run] of invalidCalls(registry, lease)) await expectRejects(call(what, run), INVALID, what);
      const counts = await registry.counts();
      expectTrue(
        counts.running === 1 && counts.queued === 0,
        `rejected calls must change nothing, counts are ${JSON.stringify(counts)}`,
      );
    });

    tests.test("every registry call rejects with StoreClosedError after close", async (store, registry) => {
      const lease = await running(registry, uniqueId("reg-closed"));
      await store.close();
      const calls: [string, () => Promise<unknown>][] = [
        ["enqueue", () => registry.enqueue(submission(uniqueId("reg-closed")))],
        ["claim", () => registry.claim(claimOf("w"))],
        ["renew", () => registry.renew([lease], 1000)],
        ["release", () => registry.release(lease, { status: "done" })],
        ["cancel", () => registry.cancel(lease.executionId)],
        ["get", () => registry.get(lease.executionId)],
        ["list", () => registry.list()],
        ["counts", () => registry.counts()],
      ];
      const subscribe = registry.subscribe?.bind(registry);
      if (subscribe !== undefined) calls.push(["subscribe", () => subscribe(() => undefined)]);
      for (const [what, run] of calls)
        await expectRejects(call(`${what} after close`, run), CLOSED, `registry.${what} after close`);
    });
  });
}
