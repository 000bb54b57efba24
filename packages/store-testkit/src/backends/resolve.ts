import { connect } from "node:net";
import { types } from "node:util";
import { redactSecrets, StoreUnavailableError } from "@lg/core";

/** Where a test server came from: an environment variable, a testcontainers container, or the local port. */
export type BackendSource = "env" | "container" | "local";

/** Options shared by `postgresForTests` and `redisForTests`. */
export interface BackendResolveOptions {
  /** Environment to read the URL variable from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Try testcontainers when no URL is set (default `true`). */
  containers?: boolean;
  /** How long the container-runtime probe may take, in milliseconds (default 3000). */
  containerProbeTimeoutMs?: number;
  /** Host of the local fallback (default `127.0.0.1`). */
  localHost?: string;
  /** Port of the local fallback (default: the backend's standard port). */
  localPort?: number;
}

/** How one kind of backend is found. */
export interface BackendKind {
  /** `PostgreSQL` or `Redis`, for messages. */
  label: string;
  /** The environment variable holding a URL. */
  envVar: string;
  /** The standard port. */
  standardPort: number;
  /** The image testcontainers runs. */
  image: string;
  /** A URL for a server found listening locally. */
  localUrl: (host: string, port: number, env: Readonly<Record<string, string | undefined>>) => string;
  /** Starts a container and returns its URL (testcontainers is loaded only here). */
  startContainer: () => Promise<string>;
}

/** A resolved server. */
export interface ResolvedServer {
  /** Connection URL. */
  url: string;
  /** Where it came from. */
  source: BackendSource;
}

/** The message of an error from any realm (jest runs tests in a realm of their own). */
function messageOf(error: unknown): string {
  return types.isNativeError(error) || error instanceof Error ? error.message : String(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(types.isNativeError(error) ? error : new Error(String(error)));
      },
    );
  });
}

/** Resolves when something accepts TCP connections on host:port; rejects with the reason otherwise. */
export function probePort(host: string, port: number, timeoutMs = 1000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

/** Asks testcontainers whether a container runtime (Docker, Podman …) is usable; rejects with why not. */
async function probeContainerRuntime(timeoutMs: number): Promise<void> {
  let testcontainers: typeof import("testcontainers");
  try {
    testcontainers = await import("testcontainers");
  } catch {
    throw new Error("the testcontainers package is not installed");
  }
  await withTimeout(testcontainers.getContainerRuntimeClient(), timeoutMs, "the container runtime");
}

const containers = new Map<string, Promise<string>>();

async function resolveUncached(kind: BackendKind, options: BackendResolveOptions): Promise<ResolvedServer> {
  const env = options.env ?? process.env;
  const fromEnv = env[kind.envVar];
  if (fromEnv !== undefined && fromEnv !== "") return { url: fromEnv, source: "env" };

  let containerReason = "disabled by the containers option";
  if (options.containers !== false) {
    try {
      await probeContainerRuntime(options.containerProbeTimeoutMs ?? 3000);
      let started = containers.get(kind.image);
      if (started === undefined) {
        started = kind.startContainer();
        containers.set(kind.image, started);
        started.catch(() => containers.delete(kind.image));
      }
      return { url: await started, source: "container" };
    } catch (error) {
      containerReason = messageOf(error);
    }
  }

  const host = options.localHost ?? "127.0.0.1";
  const port = options.localPort ?? kind.standardPort;
  try {
    await probePort(host, port);
    return { url: kind.localUrl(host, port, env), source: "local" };
  } catch (error) {
    throw new StoreUnavailableError(
      `no ${kind.label} server for tests. Tried, in order:\n` +
        `  1. the ${kind.envVar} environment variable: not set\n` +
        `  2. testcontainers (${kind.image}): ${containerReason}\n` +
        `  3. a server on ${host}:${port}: ${messageOf(error)}\n` +
        `Set ${kind.envVar} to a server URL, make a container runtime (Docker, Podman) available to ` +
        `testcontainers, or start ${kind.label} on ${host}:${port}.`,
      { cause: error },
    );
  }
}

const resolved = new Map<string, Promise<ResolvedServer>>();

/**
 * Finds a server for tests, once per process and settings: the URL in the environment variable; else a
 * testcontainers container when a container runtime answers; else a server listening on the standard local port;
 * else a `StoreUnavailableError` naming all three ways.
 */
export function resolveServer(kind: BackendKind, options: BackendResolveOptions = {}): Promise<ResolvedServer> {
  const env = options.env ?? process.env;
  const key = JSON.stringify([
    kind.envVar,
    env[kind.envVar] ?? "",
    options.containers !== false,
    options.localHost ?? "",
    options.localPort ?? kind.standardPort,
  ]);
  let found = resolved.get(key);
  if (found === undefined) {
    found = resolveUncached(kind, options);
    resolved.set(key, found);
    found.catch(() => resolved.delete(key)); // a later call may find a server that has started since
  }
  return found;
}

/** Wraps a connection failure to a resolved server in a `StoreUnavailableError` (the URL's password redacted). */
export function unavailable(kind: BackendKind, server: ResolvedServer, error: unknown): StoreUnavailableError {
  const via = server.source === "env" ? `${kind.envVar}=${server.url}` : `${server.url} (${server.source})`;
  return new StoreUnavailableError(
    `the ${kind.label} server for tests at ${redactSecrets(via)} failed: ${messageOf(error)}`,
    {
      cause: error,
    },
  );
}
