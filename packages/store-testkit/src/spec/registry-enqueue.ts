import type { CheckpointStore, EnqueueResult, ExecutionRecord, ExecutionRegistry, ExecutionStatus } from "@lg/core";
import { uniqueId } from "../fixtures.js";
import { expectEqual, expectRejects, expectTrue } from "./expect.js";
import { BUSY, claimed, enqueued, expectAbout, recordOf, running, submission, GRAPH } from "./registry-fixtures.js";
import type { RegistryTests } from "./registry-support.js";

/** Puts a new execution in `status` through the registry's own calls. */
async function executionIn(
  registry: ExecutionRegistry,
  status: Exclude<ExecutionStatus, "queued" | "running">,
): Promise<string> {
  const executionId = uniqueId(`reg-${status}`);
  if (status === "cancelled") {
    await enqueued(registry, executionId);
    await registry.cancel(executionId);
    return executionId;
  }
  const lease = await running(registry, executionId);
  await registry.release(lease, status === "failed" ? { status, error: "boom" } : { status });
  return executionId;
}

/**
 * `enqueue`: a new execution is `created` queued with attempts 0, its input kept verbatim; the same key again is
 * `existing` and changes nothing (also while running); another key is `requeued` for a paused or ended execution,
 * keeping its graph name and version, and rejected with `ExecutionBusyError` while queued or running; two concurrent
 * enqueues of one new execution make one record.
 */
export function registryEnqueueSpec<S extends CheckpointStore>(tests: RegistryTests<S>): void {
  tests.ctx.suite("enqueue", () => {
    tests.test(
      "a new execution is created queued, with attempts 0 and its input verbatim",
      async (_store, registry) => {
        const executionId = uniqueId("reg-new");
        const input = '{ "b": [1, 2.50, "\\u00e9"],\n  "a": null }'; // not canonical JSON: must come back as written
        const before = Date.now();
        const result = await registry.enqueue(submission(executionId, { input, inputKey: "key-1" }));
        const after = Date.now();
        expectTrue(result?.outcome === "created", `the outcome must be "created", got ${result?.outcome}`);
        const record = result.record;
        expectEqual(
          {
            executionId: record.executionId,
            status: record.status,
            graphName: record.graphName,
            graphVersion: record.graphVersion,
            attempts: record.attempts,
            input: record.input,
            inputKey: record.inputKey,
          },
          {
            executionId,
            status: "queued",
            graphName: GRAPH.name,
            graphVersion: GRAPH.version,
            attempts: 0,
            input,
            inputKey: "key-1",
          },
          "a created record holds the request's fields, status queued and attempts 0",
        );
        for (const absent of ["owner", "leaseExpiresAt", "error", "token"] as const)
          expectTrue(
            (record as unknown as Record<string, unknown>)[absent] === undefined,
            `a queued record has no ${absent}, got ${String((record as unknown as Record<string, unknown>)[absent])}`,
          );
        expectAbout(record.createdAt, before, after, 0, "createdAt");
        expectTrue(
          record.updatedAt instanceof Date && record.updatedAt.getTime() === record.createdAt.getTime(),
          "a created record's updatedAt equals its createdAt",
        );
        expectEqual(await registry.get(executionId), record, "get returns what enqueue returned");
      },
    );

    tests.test("the same key again is existing and changes nothing, queued or running", async (_store, registry) => {
      const executionId = uniqueId("reg-again");
      const request = submission(executionId);
      const first = await registry.enqueue(request);
      const again = await registry.enqueue({ ...request, input: '{"other":true}' });
      expectTrue(again.outcome === "existing", `the same key again must be "existing", got ${again.outcome}`);
      expectEqual(again.record, first.record, "an existing submission returns the record unchanged");
      const lease = await claimed(registry, executionId);
      const whileRunning = await registry.enqueue(request);
      expectTrue(
        whileRunning.outcome === "existing",
        `the same key while running is "existing", got ${whileRunning.outcome}`,
      );
      expectEqual(whileRunning.record, lease.record, "an existing submission leaves the running record as it is");
    });

    tests.test("another key while queued or running rejects with ExecutionBusyError", async (_store, registry) => {
      const executionId = uniqueId("reg-busy");
      const queued = await enqueued(registry, executionId);
      await expectRejects(registry.enqueue(submission(executionId)), BUSY, "enqueue with another key while queued");
      expectEqual(await registry.get(executionId), queued, "a busy enqueue changes nothing (queued)");
      const lease = await claimed(registry, executionId);
      await expectRejects(registry.enqueue(submission(executionId)), BUSY, "enqueue with another key while running");
      expectEqual(await registry.get(executionId), lease.record, "a busy enqueue changes nothing (running)");
    });

    for (const status of ["paused", "done", "failed", "cancelled"] as const) {
      tests.test(
        `another key requeues a ${status} execution, keeping its graph name and version`,
        async (_store, registry) => {
          const executionId = await executionIn(registry, status);
          const before = await recordOf(registry, executionId);
          const request = submission(executionId, {
            graphName: "another-graph",
            graphVersion: "v9",
            input: '{"turn":2}',
          });
          const result: EnqueueResult = await registry.enqueue(request);
          expectTrue(result?.outcome === "requeued", `the outcome must be "requeued", got ${result?.outcome}`);
          const expected: Partial<ExecutionRecord> = {
            executionId,
            status: "queued",
            graphName: GRAPH.name,
            graphVersion: GRAPH.version,
            input: request.input,
            inputKey: request.inputKey,
            attempts: before.attempts,
            error: undefined,
            owner: undefined,
            leaseExpiresAt: undefined,
          };
          const got = result.record;
          expectEqual(
            {
              executionId: got.executionId,
              status: got.status,
              graphName: got.graphName,
              graphVersion: got.graphVersion,
              input: got.input,
              inputKey: got.inputKey,
              attempts: got.attempts,
              error: got.error,
              owner: got.owner,
              leaseExpiresAt: got.leaseExpiresAt,
            },
            expected,
            "a requeued record is queued with the new input and key, its error cleared, its graph and attempts kept",
          );
          expectTrue(got.createdAt.getTime() === before.createdAt.getTime(), "requeue keeps createdAt");
          expectTrue(got.updatedAt.getTime() >= before.updatedAt.getTime(), "requeue moves updatedAt forward");
          expectEqual(await registry.get(executionId), got, "get returns the requeued record");
        },
      );
    }

    tests.test("two concurrent enqueues of a new execution make one record", async (_store, registry) => {
      for (const sameKey of [true, false]) {
        const executionId = uniqueId("reg-race");
        const a = submission(executionId);
        const b = sameKey ? a : submission(executionId);
        const outcomes = await Promise.allSettled([registry.enqueue(a), registry.enqueue(b)]);
        const created = outcomes.filter((o) => o.status === "fulfilled" && o.value.outcome === "created");
        expectTrue(created.length === 1, `exactly one of two concurrent enqueues is "created", got ${created.length}`);
        for (const outcome of outcomes) {
          if (outcome.status === "fulfilled") continue;
          expectTrue(!sameKey, "an enqueue with the same key as a concurrent one must not reject");
          expectTrue(
            (outcome.reason as { code?: unknown })?.code === BUSY.code,
            `the other enqueue is "existing" or rejects with ${BUSY.code}, got ${String(outcome.reason)}`,
          );
        }
        const page = await registry.list();
        const mine = page.records.filter((r) => r.executionId === executionId);
        expectTrue(mine.length === 1, `one record per execution, got ${mine.length}`);
        const counts = await registry.counts();
        expectTrue(
          counts.queued === (sameKey ? 1 : 2),
          `counts().queued must be ${sameKey ? 1 : 2}, got ${counts.queued}`,
        );
      }
    });
  });
}
