import { StoreUnavailableError, type CheckpointStore } from "@lg/core";
import { createTestCheckpoint, uniqueId } from "../fixtures.js";
import { expectErrorIs, expectTrue, fail } from "./expect.js";
import type { UnavailableSpecOptions } from "./options.js";

const UNAVAILABLE = { type: StoreUnavailableError, code: "LG_STORE_UNAVAILABLE" } as const;
const DEFAULT_WITHIN_MS = 10_000;

/** The calls tried on a store pointed at nothing; each must reject. */
const CALLS: { name: string; run: (store: CheckpointStore) => Promise<unknown> }[] = [
  { name: "ping", run: (s) => s.ping() },
  { name: "save", run: (s) => s.save(createTestCheckpoint({ executionId: uniqueId("nowhere") })) },
  { name: "load", run: (s) => s.load(uniqueId("nowhere")) },
  { name: "latest", run: (s) => s.latest(uniqueId("nowhere")) },
  { name: "listExecutions", run: (s) => s.listExecutions() },
];

/** Every text an error shows or carries: message, stack, string properties, and the same of its causes. */
function textsOf(error: unknown, depth = 0): string[] {
  if (error === null || typeof error !== "object" || depth > 5) return [String(error)];
  const texts: string[] = [];
  const record = error as Record<string, unknown>;
  for (const key of new Set(["message", "stack", ...Object.keys(record)])) {
    const value = record[key];
    if (typeof value === "string") texts.push(value);
    else if (key !== "cause" && value !== null && typeof value === "object") texts.push(JSON.stringify(value) ?? "");
  }
  if ("cause" in record) texts.push(...textsOf(record.cause, depth + 1));
  return texts;
}

/** Fails unless `error` is a `StoreUnavailableError` that does not contain `secret`. */
function checkError(error: unknown, what: string, secret: string | undefined): void {
  expectErrorIs(error, UNAVAILABLE, what);
  if (secret === undefined || secret === "") return;
  expectTrue(
    !textsOf(error).some((text) => text.includes(secret)),
    `${what}: the error (its message, stack, a property or a cause) contains the password; redact it (redactSecrets)`,
  );
}

/** Awaits `call` within `withinMs`; returns its value, or `undefined` after a rejection checked by {@link checkError}. */
async function settle<T>(
  what: string,
  call: () => Promise<T>,
  hook: UnavailableSpecOptions<CheckpointStore>,
): Promise<{ value: T } | undefined> {
  const withinMs = hook.withinMs ?? DEFAULT_WITHIN_MS;
  const started = Date.now();
  let outcome: { value: T } | undefined;
  try {
    outcome = { value: await call() };
  } catch (error) {
    checkError(error, what, hook.secret);
  }
  const elapsed = Date.now() - started;
  expectTrue(
    elapsed <= withinMs,
    `${what} on a store pointed at nothing took ${elapsed} ms; it must fail within ${withinMs} ms`,
  );
  return outcome;
}

/**
 * The unreachable-backend check: creating the store either rejects with `StoreUnavailableError` or yields a store
 * on which `ping`, `save`, `load`, `latest` and `listExecutions` each reject with it, in time, without the secret.
 */
export async function checkUnavailableStore<S extends CheckpointStore>(
  hook: UnavailableSpecOptions<S>,
  destroy: (store: S) => Promise<void>,
): Promise<void> {
  const anyHook = hook as UnavailableSpecOptions<CheckpointStore>;
  const created = await settle("creating the store", async () => hook.createStore(), anyHook);
  if (created === undefined) return; // it connects eagerly and reported the failure already
  const store = created.value;
  try {
    for (const { name, run } of CALLS) {
      const resolved = await settle(`${name}()`, () => run(store), anyHook);
      if (resolved !== undefined)
        fail(`${name}() on a store pointed at nothing must reject with StoreUnavailableError, but it resolved`);
    }
  } finally {
    await destroy(store).catch(() => undefined); // closing a store that never connected may fail too
  }
}
