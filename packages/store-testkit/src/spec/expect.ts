import assert from "node:assert/strict";
import { types } from "node:util";
import type { Checkpoint } from "@lg/core";

/**
 * Assertion helpers on top of `node:assert` whose failures first state the contract rule that was broken, then
 * show node's own diff, so a store author reads what to fix rather than only what differed.
 */

/**
 * Whether `value` is an error of any realm. `instanceof Error` is not enough: jest runs tests in their own realm,
 * where errors thrown by Node itself (e.g. `node:assert`) are not instances of the test realm's `Error`.
 */
function isError(value: unknown): value is Error {
  return types.isNativeError(value) || value instanceof Error;
}

function describeError(error: unknown): string {
  if (isError(error)) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === "string" ? ` [${code}]` : ""}: ${error.message}`;
  }
  return `a non-Error value (${String(error)})`;
}

/**
 * Throws an assertion error whose message is `rule`. The operator `fail` makes runners print the message alone
 * (jest would otherwise add an empty "Expected/Received" block); diffs are already part of the message.
 */
export function fail(rule: string): never {
  throw new assert.AssertionError({ message: rule, operator: "fail" });
}

/** Fails with `rule` unless `condition` holds. */
export function expectTrue(condition: boolean, rule: string): asserts condition {
  if (!condition) fail(rule);
}

/** Deep strict equality (Date, Map, Set, BigInt, typed arrays, -0 and NaN compared exactly). */
export function expectEqual(actual: unknown, expected: unknown, rule: string): void {
  try {
    assert.deepStrictEqual(actual, expected);
  } catch (error) {
    fail(`${rule}\n${isError(error) ? error.message : String(error)}`);
  }
}

/** Awaits `promise` and returns its value; fails with `what` and the rejection if it rejects. */
export async function expectResolves<T>(promise: Promise<T>, what: string): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    return fail(`${what} must succeed, but it rejected with ${describeError(error)}`);
  }
}

/** A class of error and the `code` it must carry. */
export interface ExpectedError {
  /** The class the rejection must be an instance of (checked with `instanceof`). */
  type: abstract new (...args: never[]) => Error;
  /** The `code` property it must carry. */
  code: string;
}

/** Fails unless `error` is an instance of `expected.type` with `code === expected.code`. */
export function expectErrorIs(error: unknown, expected: ExpectedError, what: string): void {
  const name = expected.type.name;
  expectTrue(
    error instanceof expected.type,
    `${what} must reject with ${name} (code ${expected.code}), but it rejected with ${describeError(error)}` +
      (isError(error) && error.name === name
        ? ` — the name matches but instanceof fails: the store imports a second copy of @lg/core`
        : ""),
  );
  const code = (error as { code?: unknown }).code;
  expectTrue(
    code === expected.code,
    `${what} rejected with ${name} whose code is ${String(code)}, not ${expected.code}`,
  );
}

/** Awaits `promise`, which must reject with `expected`; returns the error for further checks. */
export async function expectRejects(promise: Promise<unknown>, expected: ExpectedError, what: string): Promise<Error> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    expectErrorIs(error, expected, what);
    return error as Error;
  }
  return fail(
    `${what} must reject with ${expected.type.name} (code ${expected.code}), but it resolved` +
      (outcome === undefined ? "" : ` with ${summarize(outcome)}`),
  );
}

/** A short printable form of a value for failure messages. */
export function summarize(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === "object" && "id" in value && "version" in value) {
    const cp = value as Checkpoint;
    return `checkpoint ${JSON.stringify(cp.id)} (version ${cp.version})`;
  }
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** The versions of a list of checkpoints, for ordering messages. */
export function versionsOf(list: readonly Checkpoint[]): number[] {
  return list.map((cp) => cp.version);
}

/** The ids of a list of checkpoints. */
export function idsOf(list: readonly Checkpoint[]): string[] {
  return list.map((cp) => cp.id);
}

/**
 * A checkpoint as the contract compares it: an absent `parentId` and `parentId: undefined` are the same thing;
 * every other field must match exactly.
 */
export function comparable(cp: Checkpoint | undefined): unknown {
  if (cp === undefined || cp === null) return cp;
  if (typeof cp !== "object") return cp;
  const { parentId, ...rest } = cp;
  return parentId === undefined ? rest : { ...rest, parentId };
}

/** Fails unless `actual` is a checkpoint equal to `expected` in every field. */
export function expectCheckpoint(actual: Checkpoint | undefined, expected: Checkpoint, rule: string): void {
  expectTrue(
    actual !== undefined && actual !== null,
    `${rule}: expected checkpoint ${JSON.stringify(expected.id)} (version ${expected.version}), got ${String(actual)}`,
  );
  expectEqual(comparable(actual), comparable(expected), rule);
}

/** Fails unless the checkpoints' versions are exactly `expected`, in that order. */
export function expectVersions(
  list: readonly Checkpoint[] | undefined,
  expected: readonly number[],
  rule: string,
): void {
  expectTrue(Array.isArray(list), `${rule}: expected an array, got ${String(list)}`);
  const got = versionsOf(list);
  expectTrue(
    got.length === expected.length && got.every((v, i) => v === expected[i]),
    `${rule}: expected versions [${expected.join(", ")}], got [${got.join(", ")}]`,
  );
}

/** `list[index]`, failing clearly instead of yielding `undefined`. */
export function nth<T>(list: readonly T[], index: number): T {
  if (index < 0 || index >= list.length) fail(`expected at least ${index + 1} items, got ${list.length}`);
  return list[index] as T;
}

/**
 * Calls a store method; a synchronous throw fails with a message (the contract says every method reports
 * failures by rejecting its promise), otherwise the returned promise is handed on.
 */
export function call<T>(what: string, method: () => Promise<T>): Promise<T> {
  let promise: Promise<T>;
  try {
    promise = method();
  } catch (error) {
    return fail(`${what} threw synchronously (${describeError(error)}); store methods must return a rejected promise`);
  }
  return promise;
}
