import type { CheckpointStore } from "@lg/core";
import { contextOf } from "./context.js";
import { registryArgumentsSpec } from "./registry-arguments.js";
import { registryClaimSpec } from "./registry-claim.js";
import { registryEnqueueSpec } from "./registry-enqueue.js";
import { registryFencingSpec } from "./registry-fencing.js";
import { registryLeaseSpec } from "./registry-lease.js";
import type { RegistrySpecInput } from "./registry-options.js";
import { registryReadSpec } from "./registry-read.js";
import { registrySubscribeSpec } from "./registry-subscribe.js";
import { registryTestsOf } from "./registry-support.js";

/**
 * The execution registry (`store.registry`, see `ExecutionRegistry` in `@lg/core`): enqueue (created, existing,
 * requeued keeping the graph version, busy with `ExecutionBusyError`, one record under concurrent enqueues); claim
 * (served versions only, `graphs: []`, `limit`, oldest first, leases with a new token and attempts + 1, an expired
 * lease claimed again, a live one not, each execution to exactly one of many concurrent claims, also from a second
 * instance with `openSameLocation`); renew, release and cancel (`LeaseLostError` after a takeover, changing nothing);
 * get, list (status filters, code point order, paging) and counts; `save(cp, { lease })` fenced by the lease, checked
 * before the version; `clear` removing the record; `subscribe` when the registry has it; `InvalidArgumentError` for
 * malformed arguments; `StoreClosedError` after close; awkward ids.
 *
 * A store without a registry has every check reported as skipped, "(needs registry)" in the title. Whether it has
 * one is read from a probe store when `createStore` is synchronous, or from the `registry` option.
 *
 * Leases that must run out are 300 ms long and are then claimed again by polling (up to 10 s); what must not be
 * claimed is leased for 60 s; times are compared with seconds of slack, since the store's clock is its own.
 */
export function registrySpec<S extends CheckpointStore>(options: RegistrySpecInput<S>): void {
  const ctx = contextOf(options);
  ctx.suite("execution registry", () => {
    const tests = registryTestsOf(ctx, options);
    tests.known(); // read once, inside the describe block (a probe's disposal is a beforeAll of this block)
    registryEnqueueSpec(tests);
    registryClaimSpec(tests);
    registryLeaseSpec(tests);
    registryReadSpec(tests);
    registryFencingSpec(tests);
    registrySubscribeSpec(tests);
    registryArgumentsSpec(tests);
  });
}
