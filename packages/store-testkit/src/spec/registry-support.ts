import type { CheckpointStore, ExecutionRegistry, StoreCapabilities } from "@lg/core";
import type { SpecContext } from "./context.js";
import { expectTrue, fail } from "./expect.js";
import type { RegistryPresence, RegistrySpecInput } from "./registry-options.js";

type RegistryBody<S> = (store: S, registry: ExecutionRegistry) => Promise<void>;

const SKIP_TAG = "(needs registry)";

function isPromiseLike(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

function declaresAllCapabilities(declared: StoreCapabilities = {}): boolean {
  const names = [
    "ttl",
    "nativePrune",
    "persistent",
    "multiProcess",
    "taskResults",
    "batchSave",
    "serializedList",
    "incremental",
    "headerList",
  ] as const;
  return names.every((name) => declared[name] !== undefined);
}

/**
 * Registers the registry spec's tests: each gets a fresh store and its registry; all of them are reported as skipped
 * (with "(needs registry)" in the title) when the stores have no registry.
 */
export class RegistryTests<S extends CheckpointStore> {
  private presence: RegistryPresence | undefined;

  /** Wraps the spec context of `options`. */
  constructor(
    readonly ctx: SpecContext<S>,
    readonly options: RegistrySpecInput<S>,
  ) {}

  /** Registers a test that needs the store's registry. */
  test(title: string, body: RegistryBody<S>): void {
    if (this.known().registry === false) {
      this.skip(`${title} ${SKIP_TAG}`, (store) => store.registry === undefined || this.options.registry === false);
      return;
    }
    this.ctx.test(title, (store) => body(store, registryOf(store)));
  }

  /** Registers a test that needs the registry's optional `subscribe` as well. */
  testSubscribe(title: string, body: RegistryBody<S>): void {
    if (this.known().subscribe === false && this.known().registry !== false) {
      this.skip(
        `${title} (skipped: the registry has no subscribe)`,
        (store) => store.registry?.subscribe === undefined,
      );
      return;
    }
    // With the presence unknown at registration, a registry without subscribe (optional) has nothing to check here.
    this.test(title, async (store, registry) => {
      if (registry.subscribe !== undefined) await body(store, registry);
    });
  }

  /**
   * Registers a test that also needs a second store instance over the same data (`openSameLocation`), and with
   * `needsSubscribe` the registry's `subscribe` as well.
   */
  testShared(
    title: string,
    body: (store: S, registry: ExecutionRegistry, other: S) => Promise<void>,
    needsSubscribe = false,
  ): void {
    if (this.known().registry === false) {
      this.test(title, async () => undefined); // reported as skipped, needing the registry first
      return;
    }
    if (needsSubscribe && this.known().subscribe === false) {
      this.skip(
        `${title} (skipped: the registry has no subscribe)`,
        (store) => store.registry?.subscribe === undefined,
      );
      return;
    }
    const open = this.options.openSameLocation;
    if (open === undefined) {
      this.skip(
        `${title} (skipped: no openSameLocation hook given)`,
        () => this.options.openSameLocation === undefined,
      );
      return;
    }
    this.test(title, async (store, registry) => {
      const other = await open(store);
      try {
        await body(store, registry, other);
      } finally {
        // close(), not destroyStore: that may drop the namespace both instances share, as the other specs assume too.
        await other.close();
      }
    });
  }

  /**
   * What is known about the stores' registry: declared (`registry` option), else seen on a probe store when
   * `createStore` returns one synchronously. With every capability declared no probe is made (as for capabilities),
   * and the tests run. The probe is disposed of in a `beforeAll`, so no test overlaps it and its failure is reported.
   */
  known(): RegistryPresence {
    if (this.presence !== undefined) return this.presence;
    const declared = this.options.registry;
    if (declared !== undefined || declaresAllCapabilities(this.options.capabilities)) {
      this.presence = { registry: declared, subscribe: undefined };
      return this.presence;
    }
    const created = this.options.createStore();
    let disposal: Promise<void>;
    if (isPromiseLike(created)) {
      this.presence = { registry: undefined, subscribe: undefined };
      disposal = created.then(
        (store) => this.ctx.destroy(store),
        () => undefined, // the tests report a failing createStore themselves
      );
    } else {
      const registry = created.registry;
      this.presence = { registry: registry !== undefined, subscribe: typeof registry?.subscribe === "function" };
      disposal = this.ctx.destroy(created);
    }
    const outcome = disposal.then(
      () => ({}),
      (error: unknown) => ({ error }),
    );
    this.options.runner.beforeAll(async () => {
      const result: { error?: unknown } = await outcome;
      if ("error" in result) throw result.error;
    });
    return this.presence;
  }

  /** Reports a test as skipped; a runner without `it.skip` gets a test that checks the reason (`holds`) instead. */
  private skip(title: string, holds: (store: S) => boolean): void {
    const skip = this.options.runner.it.skip;
    if (skip !== undefined) skip(title, async () => undefined, this.ctx.timeout);
    else
      this.ctx.test(title, async (store) => {
        expectTrue(holds(store), `${title}: the reason to skip no longer holds for the store the test got`);
      });
  }
}

/** The store's registry; a store without one fails the test, saying how to report its checks as skipped. */
export function registryOf(store: CheckpointStore): ExecutionRegistry {
  const registry = store.registry;
  if (registry === undefined || registry === null)
    fail(
      "the store has no registry, but the spec could not tell before the test (an async createStore with every " +
        "capability declared): pass registry: false in the spec options to report the registry checks as skipped",
    );
  return registry;
}

const shared = new WeakMap<object, RegistryTests<CheckpointStore>>();

/**
 * The one {@link RegistryTests} of an options object, so the registry and worker specs share one probe store (and one
 * answer to whether the store has a registry).
 */
export function registryTestsOf<S extends CheckpointStore>(
  ctx: SpecContext<S>,
  options: RegistrySpecInput<S>,
): RegistryTests<S> {
  let tests = shared.get(options) as RegistryTests<S> | undefined;
  if (tests === undefined) {
    tests = new RegistryTests(ctx, options);
    shared.set(options, tests as unknown as RegistryTests<CheckpointStore>);
  }
  return tests;
}
