/**
 * The page's side of the inspector's JSON API: typed answers, and errors that keep the server's status and code.
 * Requests carry the access token in the cookie the first visit set (same origin only).
 */

/** An execution as the list shows it. */
export interface ExecutionSummary {
  executionId: string;
  latestVersion: number;
  /** ISO time of its newest checkpoint. */
  updatedAt: string;
  /** Where it stands by its newest checkpoint. */
  status: "done" | "paused" | "unfinished";
  /** The node that wrote its newest checkpoint. */
  node: string;
}

/** A page of executions, newest first. */
export interface ExecutionList {
  executions: ExecutionSummary[];
  total: number;
  offset: number;
}

/** One checkpoint of an execution's history. */
export interface HistoryEntry {
  version: number;
  id: string;
  nodeName: string;
  timestamp: string;
  size: number;
  next: string[];
  parentId?: string;
  parentVersion?: number;
  branch: number;
  forkStart: boolean;
  source?: string;
}

/** An execution's history, newest first. */
export interface History {
  entries: HistoryEntry[];
  total: number;
  branches: number;
  spans: { first: number; last: number }[];
}

/** A value in the serializer's lossless JSON encoding. */
export type Encoded = null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

/** A checkpoint as stored: every value encoded. */
export interface EncodedCheckpoint {
  id: string;
  executionId: string;
  nodeName: string;
  state: Encoded;
  metadata: Encoded;
  timestamp: number;
  version: number;
  parentId: string | null;
  next: string[];
  tasks?: Encoded;
}

/** One difference between two states. */
export interface StateChange {
  kind: "added" | "removed" | "changed";
  path: string;
  before?: Encoded;
  after?: Encoded;
}

/** A diff of two checkpoints' states. */
export interface Diff {
  from: string;
  to: string;
  changes: StateChange[];
}

/** A failed request: the HTTP status and, for the store's typed errors, their code. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** GETs `path` of the API and returns its JSON, or throws {@link ApiError}. */
export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { credentials: "same-origin", headers: { accept: "application/json" } });
  const body = (await response.json().catch(() => ({}))) as { error?: { message?: string; code?: string } };
  if (!response.ok) {
    throw new ApiError(body.error?.message ?? `request failed (${response.status})`, response.status, body.error?.code);
  }
  return body as T;
}

/** The path of an API route with its parameters encoded. */
export function apiPath(segments: readonly string[], query: Record<string, string | number | undefined> = {}): string {
  const path = `/api/${segments.map(encodeURIComponent).join("/")}`;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== "") params.set(key, String(value));
  const text = params.toString();
  return text === "" ? path : `${path}?${text}`;
}

/** POSTs `body` as JSON to `path` of the API and returns its JSON answer, or throws {@link ApiError}. */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => ({}))) as { error?: { message?: string; code?: string } };
  if (!response.ok) {
    throw new ApiError(
      answer.error?.message ?? `request failed (${response.status})`,
      response.status,
      answer.error?.code,
    );
  }
  return answer as T;
}

/** A graph's structure, when the inspector was started with `--graph`. */
export interface GraphInfo {
  source: string;
  nodes: { name: string; subgraph: boolean }[];
  edges: { source: string; target: string; kind: "static" | "conditional" | "possible" }[];
}

/** Where an execution stands after a run the page started. */
export interface RunSummary {
  status: "done" | "interrupted";
  executionId: string;
  checkpointId?: string;
  version?: number;
  next: string[];
  interrupts: number;
}
