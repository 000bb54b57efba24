import { messageOf, type CheckpointStore } from "@lg/core";
import { encodeCheckpoint } from "@lg/core/store";
import type { BackendName, Prepared, RawWriter, Seed } from "./types.js";

/** One backend, ready for the cases: the store, raw access underneath it, and a dump of everything it holds. */
export interface Harness {
  /** Which backend. */
  readonly backend: BackendName;
  /** The store the cases call. */
  readonly store: CheckpointStore;
  /** The backend's driver, for damage. */
  readonly raw: RawWriter;
  /** A store at the same location with `options` over the harness's own (the store-options cases). */
  openWith(options: Record<string, unknown>): Promise<CheckpointStore>;
  /**
   * Removes with the driver what a corrupt-data case wrote (its damaged execution), so that no case meets another's
   * damage; the store itself may refuse to touch it.
   */
  forget(prepared: Prepared): Promise<void>;
  /** Everything stored, read with the backend's own driver (rows of every table, every key), as canonical text. */
  dump(): Promise<string>;
  /** Closes the store and the driver and removes the namespace (file, schema, keys). Safe after a failed open. */
  close(): Promise<void>;
}

/** `JSON.stringify` that also writes BigInts, bytes and Dates the same way every time. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof Uint8Array) return `bytes:${Buffer.from(v).toString("base64")}`;
    return v;
  });
}

/**
 * The seeded executions as the store reads them: every checkpoint listed, then loaded one by one, encoded. A read
 * that fails is recorded as its error code, so a store left unreadable on purpose (a dropped column) compares equal.
 */
export async function readSeeded(store: CheckpointStore, seed: Seed): Promise<string> {
  const out: Record<string, unknown> = {};
  for (const executionId of [seed.chainExecution, seed.doneExecution, seed.pausedExecution]) {
    try {
      const listed = await store.list(executionId);
      const loaded = await Promise.all(listed.map((cp) => store.load(cp.id)));
      out[executionId] = {
        listed: listed.map((cp) => encodeCheckpoint(cp)),
        loaded: loaded.map((cp) => (cp === undefined ? null : encodeCheckpoint(cp))),
      };
    } catch (error) {
      out[executionId] = { error: (error as { code?: unknown }).code ?? messageOf(error) };
    }
  }
  return stableJson(out);
}

/** Every execution of a store and its checkpoints, through the contract (for a backend without a driver). */
export async function dumpThroughContract(store: CheckpointStore): Promise<string> {
  const out: Record<string, unknown> = {};
  let cursor: string | undefined;
  do {
    const page = await store.listExecutions(cursor === undefined ? {} : { cursor });
    for (const summary of page.executions) {
      out[summary.executionId] = (await store.list(summary.executionId)).map((cp) => encodeCheckpoint(cp));
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return stableJson(out);
}
