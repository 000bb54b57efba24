/**
 * Checks and small readers for what callers hand the compiled graph (resume answers, updates, metadata) and for
 * user code that runs outside a step.
 */
import type { Checkpoint } from "../checkpoint.js";
import { InvalidArgumentError, isLgError, NodeError } from "../errors.js";

/** Metadata keys the runtime writes itself; `InvokeOptions.metadata` may not use them. */
const RESERVED_METADATA = [
  "source",
  "step",
  "execution_id",
  "interrupts",
  "resumes",
  "pendingWrites",
  "nodes",
  "asNode",
  "attempts",
  "tasks",
];

/**
 * Pairs a resume value with the interrupted nodes: with one pending interrupt the value is its answer; with
 * several, `resume` must be an object with one answer per interrupted node (`{ approve: true, review: "ok" }`).
 */
export function answersByNode(
  executionId: string,
  checkpointId: string,
  interrupts: readonly { node: string; task?: string }[],
  resume: unknown,
): [string, unknown][] {
  // A task started by send() is answered under its label (`node#index`): several sends of one node may wait.
  const nodes = [...new Set(interrupts.map((i) => i.task ?? i.node))];
  if (nodes.length === 0) {
    throw new InvalidArgumentError(
      `execution "${executionId}" has no pending interrupt at checkpoint ${checkpointId} to give a resume value to; ` +
        "continue it with invoke(null, { executionId }) or start it with an input",
    );
  }
  if (nodes.length === 1) return [[nodes[0] as string, resume]];
  const byNode = resume as Record<string, unknown> | null;
  const missing = nodes.filter(
    (node) => byNode === null || typeof byNode !== "object" || !Object.prototype.hasOwnProperty.call(byNode, node),
  );
  if (missing.length > 0) {
    throw new InvalidArgumentError(
      `execution "${executionId}" has ${nodes.length} pending interrupts (${nodes.join(", ")}): resume with an object ` +
        `holding one answer per node, e.g. new Command({ resume: { ${nodes.map((n) => `${JSON.stringify(n)}: …`).join(", ")} } }); ` +
        `missing: ${missing.join(", ")}`,
    );
  }
  return nodes.map((node) => [node, (byNode as Record<string, unknown>)[node]]);
}

/**
 * Runs reducers or routers (user code) outside a step: a failure is a `NodeError` naming `node` (the input or the
 * update), as inside a step; the library's own typed errors pass through.
 */
export async function userCode<T>(node: string, executionId: string, body: () => T | Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw isLgError(error) ? error : new NodeError(node, executionId, error);
  }
}

/** Copies `InvokeOptions.metadata`, refusing the keys the runtime writes (they steer resuming). */
export function userMetadata(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  if (metadata === undefined) return {};
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
    throw new InvalidArgumentError("InvokeOptions.metadata must be a plain object");
  }
  const reserved = RESERVED_METADATA.filter((key) => Object.prototype.hasOwnProperty.call(metadata, key));
  if (reserved.length > 0) {
    throw new InvalidArgumentError(
      `InvokeOptions.metadata may not set ${reserved.join(", ")}: the runtime writes these keys itself`,
    );
  }
  return { ...metadata };
}

/**
 * The options argument of a compiled graph's method is absent or an object: a JavaScript caller who passes the
 * execution id there (`invoke(null, "run-1")`) would otherwise start a new execution instead of resuming that one.
 */
export function assertOptionsObject(method: string, options: unknown): void {
  if (options === undefined || (options !== null && typeof options === "object" && !Array.isArray(options))) return;
  const hint =
    typeof options === "string"
      ? `; to name the execution pass { executionId: ${JSON.stringify(options.slice(0, 40))} }`
      : "";
  throw new InvalidArgumentError(
    `${method} options must be an object, got ${options === null ? "null" : Array.isArray(options) ? "an array" : typeof options}${hint}`,
  );
}

/** State updates (`updateState` values, a `Command`'s update) are objects of state keys. */
export function assertStateUpdate(what: string, value: unknown): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidArgumentError(
      `${what} must be an object of state keys, got ${value === null ? "null" : typeof value}`,
    );
  }
}

/** The super-step number a checkpoint records (0 when it has none). */
export function stepOf(cp: Checkpoint): number {
  return typeof cp.metadata.step === "number" ? cp.metadata.step : 0;
}
