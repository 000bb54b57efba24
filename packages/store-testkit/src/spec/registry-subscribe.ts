import type { CheckpointStore, ExecutionRegistry, StatusChange } from "@lg/core";
import { uniqueId } from "../fixtures.js";
import { expectTrue } from "./expect.js";
import { claimed, enqueued, sleep, submission, waitFor } from "./registry-fixtures.js";
import type { RegistryTests } from "./registry-support.js";

/** A subscription that records what it hears. */
async function listen(registry: ExecutionRegistry): Promise<{ heard: StatusChange[]; stop: () => Promise<void> }> {
  const heard: StatusChange[] = [];
  const subscribe = registry.subscribe?.bind(registry);
  if (subscribe === undefined) throw new Error("unreachable: the test runs only with subscribe");
  const stop = await subscribe((change) => heard.push({ executionId: change.executionId, status: change.status }));
  expectTrue(typeof stop === "function", "subscribe resolves with a function that ends the subscription");
  return { heard, stop };
}

function heardOf(heard: readonly StatusChange[], executionId: string, status: string): boolean {
  return heard.some((change) => change.executionId === executionId && change.status === status);
}

/**
 * `subscribe` (when the registry has it): status changes made through the store (and through a second instance over
 * the same data) reach the listener — every one but a claim's (`running`); after unsubscribing, they no longer do.
 */
export function registrySubscribeSpec<S extends CheckpointStore>(tests: RegistryTests<S>): void {
  tests.ctx.suite("subscribe", () => {
    tests.testSubscribe("status changes reach the listener; unsubscribe stops them", async (_store, registry) => {
      const { heard, stop } = await listen(registry);
      const executionId = uniqueId("reg-sub");
      await enqueued(registry, executionId);
      await waitFor(() => heardOf(heard, executionId, "queued"), "the listener must hear the enqueue (queued)");
      const lease = await claimed(registry, executionId);
      await registry.release(lease, { status: "paused" });
      await waitFor(() => heardOf(heard, executionId, "paused"), "the listener must hear the release (paused)");
      // Claims are not announced: nobody waits for an execution to start running, and every announcement costs
      // the claim's commit (PostgreSQL serializes the commits of notifying transactions).
      expectTrue(!heardOf(heard, executionId, "running"), "a claim (running) is not announced");
      await registry.enqueue(submission(executionId));
      await registry.cancel(executionId);
      await waitFor(() => heardOf(heard, executionId, "cancelled"), "the listener must hear the cancel (cancelled)");

      await stop();
      const { heard: sentinel, stop: stopSentinel } = await listen(registry);
      const after = uniqueId("reg-sub-after");
      await enqueued(registry, after);
      // Once a subscription made later has heard the change, the ended one would have heard it too.
      await waitFor(() => heardOf(sentinel, after, "queued"), "a second listener must hear the enqueue");
      await sleep(200);
      expectTrue(!heardOf(heard, after, "queued"), "an ended subscription must hear nothing more");
      await stopSentinel();
    });

    tests.testShared(
      "changes made through a second store instance reach the listener",
      async (_store, registry, other) => {
        // With the registry unknown at registration, one without subscribe (optional) has nothing to check here.
        if (registry.subscribe === undefined) return;
        const { heard, stop } = await listen(registry);
        try {
          const second = other.registry;
          expectTrue(second !== undefined, "the store from openSameLocation has a registry too");
          const executionId = uniqueId("reg-sub-other");
          await second.enqueue(submission(executionId));
          await waitFor(
            () => heardOf(heard, executionId, "queued"),
            "the listener must hear the other instance's enqueue",
          );
          await second.cancel(executionId);
          await waitFor(
            () => heardOf(heard, executionId, "cancelled"),
            "the listener must hear the other instance's cancel",
          );
        } finally {
          await stop();
        }
      },
      true,
    );
  });
}
