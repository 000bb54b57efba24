/**
 * The slice of a test runner's globals the spec needs. It is typed minimally so that jest's globals
 * (`@jest/globals` or `@types/jest`) and vitest's exports both fit as they are; the testkit never imports a runner.
 *
 * @packageDocumentation
 */

/** A test body or hook body. Both runners accept an async function. */
export type TestBody = () => Promise<void>;

/** A describe block's body; it only registers tests, so it is synchronous. */
export type SuiteBody = () => void;

/** `it` / `test` of the host runner, with its optional `skip` variant. */
export interface TestRegistrar {
  /** Registers a test; `timeout` is in milliseconds. */
  (name: string, fn: TestBody, timeout?: number): void;
  /** Registers a test that is reported as skipped. Used only for checks whose capability the store lacks. */
  skip?: (name: string, fn: TestBody, timeout?: number) => void;
}

/** A hook registrar (`beforeAll`, `afterAll`, `beforeEach`, `afterEach`). */
export type HookRegistrar = (fn: TestBody, timeout?: number) => void;

/**
 * What `runCheckpointStoreSpec` and the per-concern specs register their tests with.
 *
 * Under jest: `{ describe, it, beforeAll, afterAll }` from the globals or `@jest/globals`.
 * Under vitest: the same names imported from `vitest`.
 */
export interface TestRunner {
  /** Groups tests. */
  describe: (name: string, fn: SuiteBody) => void;
  /** Registers one test. */
  it: TestRegistrar;
  /** Runs once before the tests of the enclosing describe block. */
  beforeAll: HookRegistrar;
  /** Runs once after the tests of the enclosing describe block. */
  afterAll: HookRegistrar;
  /** Runs before each test; not needed by the spec, accepted so a whole globals object can be passed. */
  beforeEach?: HookRegistrar;
  /** Runs after each test; not needed by the spec, accepted so a whole globals object can be passed. */
  afterEach?: HookRegistrar;
}
