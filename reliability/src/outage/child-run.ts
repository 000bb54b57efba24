/**
 * The failing scenario in a process of its own, to show that the process can exit: it runs the outage graph on the
 * store described by its argument, prints one JSON line per event on stdout, and after the error does nothing more.
 * It does not close the store and does not call `process.exit`: the process ends by itself only when the store left
 * no socket, timer or handle behind.
 *
 * Events: `{"event":"fault-point"}` inside step FAULT_STEP, after which it waits for one line on stdin (the parent
 * causes the fault, then answers); `{"event":"error","codes":[…],"ms":…}` with the time from the answer to the
 * error; `{"event":"done"}` when the run did not fail.
 */
import { createInterface } from "node:readline";
import type { CheckpointStore } from "@lg/core";
import { PostgresCheckpointStore } from "@lg/store-postgres";
import { RedisCheckpointStore } from "@lg/store-redis";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { BUSY_TIMEOUT_MS, COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS } from "./backend.js";
import { outageGraph } from "./graph.js";
import { FAULT_STEP, STEPS } from "./midrun.js";
import { codeChain } from "./outcome.js";

/** What the child runs on: a store kind and where, and whether it stops at the fault point. */
export interface ChildSpec {
  /** Which store. */
  store: "postgres" | "redis" | "sqlite";
  /** `host:port` for a server store, the file for SQLite. */
  target: string;
  /** Whether to print `fault-point` inside step FAULT_STEP and wait for the parent; false: fail at the first call. */
  faultPoint: boolean;
}

function openStore(spec: ChildSpec): CheckpointStore {
  switch (spec.store) {
    case "postgres":
      return new PostgresCheckpointStore({
        connString: `postgres://postgres@${spec.target}/postgres`,
        tableName: "outage_checkpoints",
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        clientOptions: { onnotice: () => undefined },
      });
    case "redis":
      return new RedisCheckpointStore({
        addr: spec.target,
        connectTimeout: CONNECT_TIMEOUT_MS,
        commandTimeout: COMMAND_TIMEOUT_MS,
      });
    case "sqlite":
      return new SqliteCheckpointStore({ path: spec.target, busyTimeoutMs: BUSY_TIMEOUT_MS });
  }
}

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

// One line from the parent; the parent then ends stdin, so the stream closes and holds the process no longer.
function parentAnswer(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  return new Promise((resolve) => {
    lines.once("line", () => {
      lines.close();
      process.stdin.destroy();
      resolve();
    });
  });
}

async function main(spec: ChildSpec): Promise<void> {
  const store = openStore(spec);
  if (spec.store === "postgres" && spec.faultPoint) await (store as PostgresCheckpointStore).setup();
  let answeredAt = performance.now();
  const app = outageGraph(store, STEPS, async (index) => {
    if (!spec.faultPoint || index !== FAULT_STEP) return;
    emit({ event: "fault-point" });
    await parentAnswer();
    answeredAt = performance.now();
  });
  try {
    await app.invoke({}, { executionId: `outage-child-${process.pid}` });
    emit({ event: "done" });
  } catch (error) {
    emit({
      event: "error",
      codes: codeChain(error),
      message: String(error),
      ms: Math.round(performance.now() - answeredAt),
    });
  }
}

void main(JSON.parse(process.argv[2] ?? "{}") as ChildSpec);
