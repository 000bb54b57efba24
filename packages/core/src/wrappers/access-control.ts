import type { Checkpoint } from "../checkpoint.js";
import { AccessDeniedError } from "../errors.js";
import type { CheckpointStore } from "../store.js";
import { pruneCheckpoints } from "../store-helpers.js";
import { forwardStore } from "./forward-store.js";

/** What a caller wants to do with an execution's checkpoints. */
export type AccessOperation = "read" | "write" | "delete";

/**
 * Decides whether the current caller may perform `operation` on `executionId`. Bind it to the caller when you
 * create the wrapper (one wrapper per request or per user), e.g. `(op, id) => acl.allows(user, op, id)`.
 */
export type AccessCheck = (operation: AccessOperation, executionId: string) => boolean | Promise<boolean>;

/**
 * Wraps a store so that every call is checked against `check` first; a refusal rejects with `AccessDeniedError`.
 * `load` and `delete` by id check the checkpoint's execution after reading it (a refused `load` is not told apart
 * from a missing one: it resolves `undefined`, so ids cannot be probed); `listExecutions` leaves out executions the
 * caller may not read. `ping`, `stats` and `close` are not checked.
 */
export function withAccessControl(store: CheckpointStore, check: AccessCheck): CheckpointStore {
  const require = async (operation: AccessOperation, executionId: string): Promise<void> => {
    if (!(await check(operation, executionId))) throw new AccessDeniedError(operation, executionId);
  };
  const readable = async (cp: Checkpoint | undefined): Promise<Checkpoint | undefined> =>
    cp !== undefined && (await check("read", cp.executionId)) ? cp : undefined;
  return forwardStore(store, {
    save: async (cp, options) => {
      await require("write", cp.executionId);
      return store.save(cp, options);
    },
    load: async (id) => readable(await store.load(id)),
    latest: async (executionId) => {
      await require("read", executionId);
      return store.latest(executionId);
    },
    list: async (executionId, options) => {
      await require("read", executionId);
      return store.list(executionId, options);
    },
    delete: async (id) => {
      const cp = await store.load(id);
      if (cp === undefined) return;
      await require("delete", cp.executionId);
      return store.delete(id);
    },
    clear: async (executionId) => {
      await require("delete", executionId);
      return store.clear(executionId);
    },
    prune: async (executionId, options) => {
      await require("delete", executionId);
      return pruneCheckpoints(store, executionId, options);
    },
    listExecutions: async (options) => {
      const page = await store.listExecutions(options);
      const allowed = [];
      for (const summary of page.executions) if (await check("read", summary.executionId)) allowed.push(summary);
      return { ...page, executions: allowed };
    },
  });
}
