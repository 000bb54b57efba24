import type { CheckpointStore, StoreCapabilities } from "@lg/core";
import { expectTrue } from "./expect.js";
import type { RawStoreAccess, SpecOptions } from "./options.js";

/** The capabilities a check can depend on. */
export type CapabilityName = keyof StoreCapabilities;

type Body<S> = (store: S) => Promise<void>;

// Every capability, so that a spec told about all of them needs no probe store (the compiler keeps it complete).
const ALL_CAPABILITIES: Record<CapabilityName, true> = {
  ttl: true,
  nativePrune: true,
  persistent: true,
  multiProcess: true,
  taskResults: true,
  batchSave: true,
  serializedList: true,
  serializedSave: true,
  incremental: true,
  headerList: true,
};

function declaresAll(capabilities: StoreCapabilities | undefined): boolean {
  return Object.keys(ALL_CAPABILITIES).every((name) => capabilities?.[name as CapabilityName] !== undefined);
}

function isPromiseLike<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown })?.then === "function";
}

/**
 * Registers tests for the per-concern specs: a fresh store per test, destroyed afterwards; skipping only by
 * declared capability (or a missing `raw` hook), with the reason in the title.
 */
export class SpecContext<S extends CheckpointStore> {
  private resolved: StoreCapabilities | undefined;

  /** Creates the context for one set of spec options. */
  constructor(readonly options: SpecOptions<S>) {}

  /** The runner's `describe`, with the concern name. */
  suite(concern: string, body: () => void): void {
    this.options.runner.describe(concern, body);
  }

  /** Registers a test that gets a fresh store. */
  test(title: string, body: Body<S>): void {
    this.options.runner.it(title, () => this.withStore(body), this.timeout);
  }

  /** Registers a test that runs only when the store has `capability`. */
  testNeeding(capability: CapabilityName, title: string, body: Body<S>): void {
    if (this.capabilities()[capability] === true) {
      this.test(title, body);
      return;
    }
    this.skip(`${title} (skipped: store lacks ${capability})`, async (store) => {
      expectTrue(
        store.capabilities?.[capability] !== true || this.options.capabilities?.[capability] === false,
        `the store declares ${capability} but the spec was registered without it; pass capabilities: { ${capability}: true }`,
      );
    });
  }

  /**
   * Registers a test that runs only when the option named `hook` was given (skipped with that reason otherwise). The
   * body makes its own stores from the hook, so no store is created for it.
   */
  testWithHook(hook: keyof SpecOptions<S>, title: string, body: () => Promise<void>): void {
    if (this.options[hook] !== undefined) {
      this.options.runner.it(title, body, this.timeout);
      return;
    }
    this.skip(`${title} (skipped: no ${hook} hook given)`, async () => {
      expectTrue(this.options[hook] === undefined, `${hook} hook appeared after registration`);
    });
  }

  /** Registers a test that runs only when the `raw` hook was given. */
  testWithRaw(title: string, body: (store: S, raw: RawStoreAccess) => Promise<void>): void {
    const rawOf = this.options.raw;
    if (rawOf === undefined) {
      this.skip(`${title} (skipped: no raw hook given)`, async () => {
        expectTrue(this.options.raw === undefined, "raw hook appeared after registration");
      });
      return;
    }
    this.test(title, (store) => body(store, rawOf(store)));
  }

  /** Creates a store, runs `body` with it and destroys it, reporting the body's failure first. */
  async withStore(body: Body<S>): Promise<void> {
    const store = await this.options.createStore();
    let bodyFailed = false;
    try {
      await body(store);
    } catch (error) {
      bodyFailed = true;
      throw error;
    } finally {
      try {
        await this.destroy(store);
      } catch (error) {
        // Thrown only when the body succeeded, so it replaces no error in flight: a failed cleanup fails the test.
        // eslint-disable-next-line no-unsafe-finally
        if (!bodyFailed) throw error;
      }
    }
  }

  /** Disposes of a store with `destroyStore`, or `close()` by default. */
  async destroy(store: S): Promise<void> {
    if (this.options.destroyStore !== undefined) await this.options.destroyStore(store);
    else await store.close();
  }

  /**
   * The capabilities checks are registered with: `store.capabilities` of a store created now (when `createStore`
   * is synchronous) with the `capabilities` option merged over them. Must be called inside a describe block. When
   * the option declares every capability there is nothing to learn, and no probe store is created.
   *
   * The probe store is disposed of as soon as it exists, not in an `afterAll`: a runner that filters out every
   * test of the block (`jest -t …`) skips its hooks too, and a probe left open (a connection pool) would keep the
   * process alive. A `beforeAll` waits for the disposal, so no test overlaps it, and reports its failure.
   */
  capabilities(): StoreCapabilities {
    if (this.resolved !== undefined) return this.resolved;
    if (declaresAll(this.options.capabilities)) {
      this.resolved = { ...this.options.capabilities };
      return this.resolved;
    }
    const created = this.options.createStore();
    let fromStore: StoreCapabilities = {};
    let probe: Promise<S | undefined>;
    if (isPromiseLike(created)) {
      probe = created.then(
        (store) => store,
        () => undefined, // the tests report a failing createStore themselves
      );
    } else {
      fromStore = created.capabilities ?? {};
      probe = Promise.resolve(created);
    }
    const disposal = probe
      .then(async (store): Promise<{ error?: unknown }> => {
        if (store !== undefined) await this.destroy(store);
        return {};
      })
      .catch((error: unknown) => ({ error }));
    this.options.runner.beforeAll(async () => {
      const outcome = await disposal;
      if ("error" in outcome) throw outcome.error;
    });
    this.resolved = { ...fromStore, ...this.options.capabilities };
    return this.resolved;
  }

  /** Milliseconds each test may take. */
  get timeout(): number {
    return this.options.timeoutMs ?? 30_000;
  }

  private skip(title: string, fallback: Body<S>): void {
    const skip = this.options.runner.it.skip;
    if (skip !== undefined) skip(title, async () => undefined, this.timeout);
    else this.test(title, fallback);
  }
}

const contexts = new WeakMap<object, SpecContext<CheckpointStore>>();

/** The one context of an options object, so that the specs run by `runCheckpointStoreSpec` share one probe. */
export function contextOf<S extends CheckpointStore>(options: SpecOptions<S>): SpecContext<S> {
  let context = contexts.get(options);
  if (context === undefined) {
    context = new SpecContext(options) as unknown as SpecContext<CheckpointStore>;
    contexts.set(options, context);
  }
  return context as unknown as SpecContext<S>;
}
