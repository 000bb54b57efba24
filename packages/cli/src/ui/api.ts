import {
  CheckpointConflictError,
  CheckpointNotFoundError,
  InvalidArgumentError,
  LgError,
  StoreUnavailableError,
  encodeValue,
  redactSecrets,
  type CheckpointStore,
  type JsonValue,
} from "@lg/core";
import { encodeCheckpoint } from "@lg/core/store";
import { diffStates, type StateChange } from "../diff.js";
import { listExecutionsNewestFirst } from "../executions.js";
import { readHistory } from "../history.js";
import { loadCheckpoint } from "../walk.js";
import { answerPause, editCheckpoint, resumeExecution } from "./actions.js";
import { inspect } from "./execution-status.js";
import type { InspectorGraph } from "./graph-module.js";
import { searchExecutions } from "./search.js";

/**
 * The inspector's JSON API: the same functions the CLI's commands call (`executions`, `history`, `show`, `diff`,
 * `stats`), answered as JSON. Values of a state travel in the serializer's lossless encoding (a `Date` as
 * `{"$lg":"date",…}`), so the page can show each value's type.
 *
 * @packageDocumentation
 */

/** An answer of the API: an HTTP status and a JSON body. */
export interface ApiAnswer {
  /** HTTP status. */
  status: number;
  /** The body, sent as JSON. */
  body: unknown;
}

const MAX_PAGE = 500;

/** A non-negative integer query parameter, `fallback` when absent; `InvalidArgumentError` otherwise. */
function integerParam(
  query: URLSearchParams,
  name: string,
  fallback: number | undefined,
  max?: number,
): number | undefined {
  const text = query.get(name);
  if (text === null || text === "") return fallback;
  if (!/^\d{1,15}$/.test(text))
    throw new InvalidArgumentError(`query parameter ${name} must be a non-negative integer`);
  const value = Number(text);
  if (max !== undefined && value > max)
    throw new InvalidArgumentError(`query parameter ${name} must be at most ${max}`);
  return value;
}

function requiredParam(query: URLSearchParams, name: string): string {
  const value = query.get(name);
  if (value === null || value === "") throw new InvalidArgumentError(`query parameter ${name} is required`);
  return value;
}

function encodedChange(change: StateChange): unknown {
  const encode = (value: unknown, at: string): JsonValue => encodeValue(value, at);
  if (change.kind === "added")
    return { kind: change.kind, path: change.path, after: encode(change.after, change.path) };
  if (change.kind === "removed")
    return { kind: change.kind, path: change.path, before: encode(change.before, change.path) };
  return {
    kind: change.kind,
    path: change.path,
    before: encode(change.before, change.path),
    after: encode(change.after, change.path),
  };
}

/** What an API request may use: the store, and the graph when the inspector was given one. */
export interface ApiContext {
  /** The store inspected. */
  store: CheckpointStore;
  /** The graph module's graph, bound to the store. */
  graph?: InspectorGraph | undefined;
}

/** The route of a POST request under `/api/`, or `undefined` when no route matches. */
async function answerPost(context: ApiContext, path: string[], body: unknown): Promise<unknown> {
  const [first, second, third] = path;
  if (path.length !== 3 || second === undefined) return undefined;
  if (first === "checkpoints" && third === "edit") return editCheckpoint(context.store, second, body);
  if (first === "executions" && third === "resume") return resumeExecution(context.graph, second, body);
  if (first === "executions" && third === "answer") return answerPause(context.graph, second, body);
  return undefined;
}

/** The route of a GET request under `/api/`, or `undefined` when no route matches. */
async function answerGet(context: ApiContext, path: string[], query: URLSearchParams): Promise<unknown> {
  const store = context.store;
  const [first, second, third] = path;
  if (first === "executions" && second === undefined) {
    const limit = integerParam(query, "limit", 20, MAX_PAGE) as number;
    const offset = integerParam(query, "offset", 0) as number;
    const search = query.get("q") ?? "";
    const page =
      search === ""
        ? await listExecutionsNewestFirst(store, { limit, offset })
        : await searchExecutions(store, search, { limit, offset });
    return { ...page, executions: await Promise.all(page.executions.map((e) => inspect(store, e))) };
  }
  if (first === "executions" && second !== undefined && third === "history" && path.length === 3) {
    const limit = integerParam(query, "limit", undefined);
    const before = integerParam(query, "before", undefined);
    return await readHistory(store, second, {
      ...(limit === undefined ? {} : { limit }),
      ...(before === undefined ? {} : { beforeVersion: before }),
    });
  }
  if (first === "checkpoints" && second !== undefined && path.length === 2) {
    return { checkpoint: encodeCheckpoint(await loadCheckpoint(store, second)) };
  }
  if (first === "diff" && path.length === 1) {
    const to = await loadCheckpoint(store, requiredParam(query, "to"));
    const fromId = query.get("from") ?? to.parentId;
    if (fromId === undefined || fromId === "")
      throw new InvalidArgumentError("checkpoint has no parent: name the one to compare with in ?from=");
    const from = await loadCheckpoint(store, fromId);
    return { from: from.id, to: to.id, changes: diffStates(from.state, to.state).map(encodedChange) };
  }
  if (first === "stats" && path.length === 1) return await store.stats();
  if (first === "graph" && path.length === 1) {
    const graph = context.graph;
    return graph === undefined ? { graph: null } : { graph: { source: graph.source, ...graph.graph.getGraph() } };
  }
  return undefined;
}

/** The HTTP status for an error the API met: typed errors say what the caller did wrong, anything else is 500. */
export function statusOf(error: unknown): number {
  if (error instanceof CheckpointNotFoundError) return 404;
  if (error instanceof InvalidArgumentError) return 400;
  if (error instanceof CheckpointConflictError) return 409;
  if (error instanceof StoreUnavailableError) return 503;
  return 500;
}

/** The JSON body of an error: its message (secrets redacted) and, for typed errors, its code. */
export function errorBody(error: unknown): { error: { message: string; code?: string } } {
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  return { error: error instanceof LgError ? { message, code: error.code } : { message } };
}

/**
 * Answers one API request: `segments` is the path after `/api/`, split and decoded, `body` the parsed JSON body of a
 * POST. Unknown routes are 404, other methods than GET and POST 405; failures become an error body with the status
 * of {@link statusOf}.
 */
export async function answerApi(
  context: ApiContext,
  method: string,
  segments: string[],
  query: URLSearchParams,
  requestBody?: unknown,
): Promise<ApiAnswer> {
  if (method !== "GET" && method !== "POST")
    return { status: 405, body: { error: { message: `method ${method} is not allowed here` } } };
  try {
    const body =
      method === "GET" ? await answerGet(context, segments, query) : await answerPost(context, segments, requestBody);
    if (body === undefined) return { status: 404, body: { error: { message: "no such API route" } } };
    return { status: 200, body };
  } catch (error) {
    return { status: statusOf(error), body: errorBody(error) };
  }
}
