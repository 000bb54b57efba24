import {
  Command,
  InvalidArgumentError,
  decodeValue,
  saveStateEdit,
  type CheckpointStore,
  type JsonValue,
  type RunResult,
} from "@lg/core";
import { encodeCheckpoint } from "@lg/core/store";
import { loadCheckpoint } from "../walk.js";
import type { InspectorGraph } from "./graph-module.js";

/**
 * The inspector's actions that change data: an edit of a checkpoint's state saved as a new checkpoint (the store
 * alone), and — with a graph module — resuming, forking and answering a pause through the runtime, the calls a
 * program would make. Values arrive in the serializer's lossless JSON, as the page received them.
 *
 * @packageDocumentation
 */

function objectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw new InvalidArgumentError("the request body must be a JSON object");
  return body as Record<string, unknown>;
}

function optionalId(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value === "") throw new InvalidArgumentError(`${name} must be a checkpoint id`);
  return value;
}

function requireGraph(graph: InspectorGraph | undefined): InspectorGraph {
  if (graph === undefined) {
    throw new InvalidArgumentError("this needs the graph: start the inspector with --graph <module>#<export>");
  }
  return graph;
}

/** What the page needs of a run's end: where the execution stands now. */
function runSummary(result: RunResult<object>): unknown {
  return {
    status: result.status,
    executionId: result.executionId,
    checkpointId: result.checkpointId,
    version: result.version,
    next: result.next,
    interrupts: result.interrupts.length,
  };
}

/** `POST /api/checkpoints/<id>/edit` `{ state }`: the state (encoded, whole) saved as a new checkpoint after `id`. */
export async function editCheckpoint(store: CheckpointStore, checkpointId: string, body: unknown): Promise<unknown> {
  const fields = objectBody(body);
  if (!("state" in fields)) throw new InvalidArgumentError("the body needs the edited state: { state }");
  const base = await loadCheckpoint(store, checkpointId);
  const state = decodeValue(fields.state as JsonValue);
  if (state === null || typeof state !== "object" || Array.isArray(state))
    throw new InvalidArgumentError("the edited state must be an object of state keys");
  const saved = await saveStateEdit(store, {
    executionId: base.executionId,
    checkpointId,
    state: state as Record<string, unknown>,
  });
  return { checkpoint: encodeCheckpoint(saved) };
}

/**
 * `POST /api/executions/<id>/resume` `{ checkpointId? }`: runs the graph on from the latest checkpoint, or from an
 * older one (a fork), until it finishes or pauses.
 */
export async function resumeExecution(
  graph: InspectorGraph | undefined,
  executionId: string,
  body: unknown,
): Promise<unknown> {
  const checkpointId = optionalId(objectBody(body ?? {}), "checkpointId");
  const result = await requireGraph(graph).run(null, {
    executionId,
    ...(checkpointId === undefined ? {} : { checkpointId }),
  });
  return runSummary(result);
}

/** `POST /api/executions/<id>/answer` `{ value }`: answers the pending pause with `value` (encoded) and runs on. */
export async function answerPause(
  graph: InspectorGraph | undefined,
  executionId: string,
  body: unknown,
): Promise<unknown> {
  const fields = objectBody(body);
  if (!("value" in fields)) throw new InvalidArgumentError("the body needs the answer: { value }");
  const resume = decodeValue(fields.value as JsonValue);
  const result = await requireGraph(graph).run(new Command({ resume }), { executionId });
  return runSummary(result);
}
