import { SilentServer } from "../../../packages/store-redis/test/net-faults.js";
import type { OutageBackend } from "./backend.js";
import { outageMidRun, type ScenarioResult } from "./midrun.js";
import { unreachableAtStart } from "./unreachable.js";
import { WrongServiceServer } from "./wrong-service.js";

/** The scenarios every server backend goes through, by name in the figures. */
export const SCENARIOS = {
  stopped: "server stopped mid-run",
  frozen: "server frozen mid-run (SIGSTOP)",
  silent: "silent server at connect",
  http: "HTTP server on the port",
  otherDatabase: "other database's port",
} as const;

async function midRun(backend: OutageBackend, kind: "stopped" | "frozen"): Promise<ScenarioResult> {
  const store = await backend.openStore();
  const bound = backend.bounds[kind];
  try {
    return await outageMidRun({
      scenario: SCENARIOS[kind],
      storeName: backend.name,
      store,
      fault: kind === "stopped" ? () => backend.stop() : () => backend.freeze(),
      recover: kind === "stopped" ? () => backend.restart() : async () => backend.thaw(),
      boundMs: bound.ms,
      boundNote: bound.note,
    });
  } finally {
    backend.thaw(); // a failed check must not leave the server frozen for the next scenario
    await store.close();
  }
}

/** The server is stopped (PostgreSQL `pg_ctl stop -m immediate`, Redis SIGKILL) inside a step, then restarted. */
export function serverStoppedMidRun(backend: OutageBackend): Promise<ScenarioResult> {
  return midRun(backend, "stopped");
}

/** The server is frozen with SIGSTOP inside a step, so the next save meets a server that never answers; then thawed. */
export function serverFrozenMidRun(backend: OutageBackend): Promise<ScenarioResult> {
  return midRun(backend, "frozen");
}

/** A run on a store whose address is a listener that accepts connections and never answers. */
export async function silentServerAtConnect(backend: OutageBackend): Promise<ScenarioResult> {
  const silent = await SilentServer.start();
  try {
    const bound = backend.bounds.connect;
    const store = backend.storeAt("127.0.0.1", silent.port);
    return await unreachableAtStart({
      scenario: SCENARIOS.silent,
      storeName: backend.name,
      store,
      boundMs: bound.ms,
      boundNote: bound.note,
    });
  } finally {
    await silent.close();
  }
}

/** A run on a store whose address is an HTTP server. */
export async function httpServerOnPort(backend: OutageBackend): Promise<ScenarioResult> {
  const http = await WrongServiceServer.start();
  try {
    return await wrongServiceAt(backend, SCENARIOS.http, http.port);
  } finally {
    await http.close();
  }
}

/** A run on a store whose address is `port`, where another kind of server listens. */
export function wrongServiceAt(backend: OutageBackend, scenario: string, port: number): Promise<ScenarioResult> {
  const bound = backend.bounds.wrongService;
  const store = backend.storeAt("127.0.0.1", port);
  return unreachableAtStart({ scenario, storeName: backend.name, store, boundMs: bound.ms, boundNote: bound.note });
}
