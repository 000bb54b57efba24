import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { InvalidArgumentError, type CheckpointStore } from "@lg/core";
import { checkAccess, createAccessToken, hostAllowed, tokenCookie } from "./access-token.js";
import { answerApi, errorBody } from "./api.js";
import type { InspectorGraph } from "./graph-module.js";
import { readJsonBody } from "./request-body.js";
import { LiveUpdates } from "./live-updates.js";
import { staticFile } from "./static-files.js";

/**
 * The inspector's HTTP server: the JSON API under `/api/`, live updates at `/api/events`, and the built front end
 * for every other path. Bound to the loopback interface by default and guarded by an access token.
 *
 * @packageDocumentation
 */

/** Options of {@link startInspector}. */
export interface InspectorOptions {
  /** The store to inspect (the caller opens and closes it). */
  store: CheckpointStore;
  /** Interface to listen on (default `127.0.0.1`; anything else exposes the store to the network). */
  host?: string;
  /** Port (default 0: a free one). */
  port?: number;
  /** Access token (default: a new random one). */
  token?: string;
  /** Directory of the built front end (default: the one shipped in the package). */
  assetsDir?: string;
  /** How often the store is polled for live updates while a page listens, in ms (default 1000). */
  pollMs?: number;
  /** The graph (from `loadGraphModule`): enables resuming, forking and answering pauses, and drawing the graph. */
  graph?: InspectorGraph;
}

/** A running inspector. */
export interface Inspector {
  /** The address to open, token included. */
  url: string;
  /** `http://host:port`, without the token. */
  origin: string;
  /** The access token. */
  token: string;
  /** Stops listening, ends live streams and waits for open requests. */
  close(): Promise<void>;
}

/** Security headers on every answer: no framing, no sniffing, scripts and styles from this origin only. */
const SECURITY_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Content-Security-Policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
};

function sendJson(response: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    ...extra,
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Length": Buffer.byteLength(text),
  });
  response.end(text);
}

function apiSegments(pathname: string): string[] | undefined {
  if (pathname !== "/api" && !pathname.startsWith("/api/")) return undefined;
  return pathname
    .slice("/api/".length)
    .split("/")
    .filter((part) => part !== "")
    .map((part) => decodeURIComponent(part));
}

function validatePort(port: number | undefined): number {
  if (port === undefined) return 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError(`port must be an integer from 0 to 65535, got ${String(port)}`);
  return port;
}

/**
 * Starts the inspector on `options.store` and resolves once it listens. Every request must carry the token (in
 * the URL's `?token=` once, then the cookie it sets, or `Authorization: Bearer`) and name this server in `Host`;
 * others get 401 / 403 and nothing of the store.
 */
export async function startInspector(options: InspectorOptions): Promise<Inspector> {
  const host = options.host ?? "127.0.0.1";
  const port = validatePort(options.port);
  const token = options.token ?? createAccessToken();
  if (token.length < 16) throw new InvalidArgumentError("the inspector's token must be at least 16 characters");
  // The bundles sit in dist/ with the front end in dist/ui (tsup's shims give the ESM bundle a __dirname).
  const assetsDir = options.assetsDir ?? join(__dirname, "ui");
  const live = new LiveUpdates(options.store, options.pollMs ?? 1000);
  let boundPort = 0;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (!hostAllowed(request, host, boundPort)) return sendJson(response, 403, { error: { message: "unknown host" } });
    const url = new URL(request.url ?? "/", "http://inspector.invalid");
    const access = checkAccess(request, url, token);
    if (access === "refused") {
      return sendJson(response, 401, { error: { message: "open the inspector with the URL it printed (?token=…)" } });
    }
    const cookie: Record<string, string> = access === "allowed-by-query" ? { "Set-Cookie": tokenCookie(token) } : {};
    let segments: string[] | undefined;
    try {
      segments = apiSegments(url.pathname);
    } catch {
      return sendJson(response, 400, { error: { message: "malformed path" } });
    }
    if (segments !== undefined) {
      if (segments.length === 1 && segments[0] === "events" && request.method === "GET") return live.listen(response);
      const method = request.method ?? "GET";
      const body = method === "POST" ? await readJsonBody(request) : undefined;
      if (body !== undefined && "refused" in body) return sendJson(response, body.status, body.refused, cookie);
      const context = { store: options.store, graph: options.graph };
      const answer = await answerApi(context, method, segments, url.searchParams, body?.value);
      return sendJson(response, answer.status, answer.body, cookie);
    }
    const file = request.method === "GET" ? await staticFile(assetsDir, url.pathname) : undefined;
    if (file === undefined) return sendJson(response, 404, { error: { message: "not found" } }, cookie);
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      ...cookie,
      "Content-Type": file.type,
      "Cache-Control": file.cache,
      "Content-Length": file.body.length,
    });
    response.end(file.body);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, errorBody(error));
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  boundPort = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  const origin = `http://${shown}:${boundPort}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        live.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
